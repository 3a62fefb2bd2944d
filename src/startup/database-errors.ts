/**
 * Turns what the MySQL/MariaDB driver or SQLite throws at start-up into one line that names DATABASE_URL and the
 * likely fix. The URL's password is never part of the line.
 */

interface DriverError {
  code?: string;
  errno?: number;
  name?: string;
  message?: string;
  /** mysql2: the server's own message, without the SQL statement */
  sqlMessage?: string;
}

const CONNECT_CODES: Record<string, string> = {
  ECONNREFUSED: 'connection refused: is the server running, and are the host and port right?',
  ENOTFOUND: 'the host name does not resolve (DNS): check the host in DATABASE_URL',
  EAI_AGAIN: 'the host name could not be resolved right now (DNS): check the host and the network',
  ETIMEDOUT: 'no answer: a firewall, or the wrong host or port?',
  EHOSTUNREACH: 'host unreachable: check the host and the network',
  ECONNRESET: 'the server closed the connection: is it MySQL/MariaDB on that port?',
  PROTOCOL_CONNECTION_LOST: 'the server closed the connection: is it MySQL/MariaDB on that port?',
};

/** One line for a database failure at start-up, or null when `err` is not one. */
export function explainDatabaseError(err: unknown, databaseUrl: string): string | null {
  const e = (err ?? {}) as DriverError;
  const code = e.code ?? '';
  if (databaseUrl.startsWith('sqlite:')) {
    if (!code.startsWith('SQLITE_CANTOPEN') && code !== 'EACCES' && code !== 'EROFS') return null;
    return `DATABASE_URL: cannot open the SQLite file ${databaseUrl.slice('sqlite:'.length)} (${code}): check that its directory exists and is writable by this user`;
  }
  const where = describeMysqlUrl(databaseUrl);
  if (e.name === 'KnexTimeoutError')
    return `DATABASE_URL: no connection to MySQL at ${where.server} in time: is the server up and reachable from here?`;
  if (CONNECT_CODES[code]) return `DATABASE_URL: cannot reach MySQL at ${where.server}: ${CONNECT_CODES[code]}`;
  switch (code) {
    case 'ER_ACCESS_DENIED_ERROR':
    case 'ER_ACCESS_DENIED_NO_PASSWORD_ERROR':
      return (
        `DATABASE_URL: MySQL at ${where.server} refused user '${where.user}' (access denied): check the user name ` +
        'and password (URL-encode special characters such as @ : / # as %40 %3A %2F %23) and that the user may connect from this host'
      );
    case 'ER_BAD_DB_ERROR':
      return (
        `DATABASE_URL: database '${where.database}' does not exist on ${where.server}: create it with ` +
        `CREATE DATABASE \`${where.database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci (README, "MySQL/MariaDB")`
      );
    case 'ER_DBACCESS_DENIED_ERROR':
      return `DATABASE_URL: user '${where.user}' may not use database '${where.database}' on ${where.server}: grant it the privileges listed in README, "MySQL/MariaDB"`;
    case 'ER_TABLEACCESS_DENIED_ERROR':
    case 'ER_COLUMNACCESS_DENIED_ERROR':
    case 'ER_SPECIFIC_ACCESS_DENIED_ERROR':
      return (
        `DATABASE_URL: user '${where.user}' lacks a privilege on '${where.database}' (${e.sqlMessage ?? code}): ` +
        'pending migrations need CREATE, ALTER, INDEX, DROP and REFERENCES; run `npm run migrate` as a user ' +
        'that has them, or grant them (README, "MySQL/MariaDB")'
      );
    default:
      return null;
  }
}

function describeMysqlUrl(url: string): { server: string; user: string; database: string } {
  try {
    const u = new URL(url.replace(/^mariadb:/, 'mysql:'));
    return {
      server: `${u.hostname}:${u.port || 3306}`,
      user: decodeURIComponent(u.username),
      database: decodeURIComponent(u.pathname.slice(1)),
    };
  } catch {
    return { server: '(unparsable URL)', user: '?', database: '?' };
  }
}
