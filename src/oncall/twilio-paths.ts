/** The on-call webhook paths, apart from the routes so main.ts can name them without loading the Twilio SDK. */
export const TWILIO_GATHER_PATH = '/twilio/voice/gather';
export const TWILIO_SMS_PATH = '/twilio/sms';
