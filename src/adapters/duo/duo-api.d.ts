/** The signing half of @duosecurity/duo_api 1.5.0 (untyped): canonical v2 and v5, HMAC-SHA512. */
declare module '@duosecurity/duo_api/lib/duo_sig.js' {
  type Params = Record<string, string | string[]>;
  interface DuoSig {
    sign(ikey: string, skey: string, method: string, host: string, path: string, params: Params, date: string): string;
    signV5(
      ikey: string,
      skey: string,
      method: string,
      host: string,
      path: string,
      params: Params,
      date: string,
      body: string,
    ): string;
  }
  const duoSig: DuoSig;
  export default duoSig;
}

declare module '@duosecurity/duo_api/lib/constants.js' {
  const constants: { DUO_PINNED_CERT: string };
  export default constants;
}
