// Internal: the credential forms the scrubber knows, each found in time
// linear in the text. Every regex here starts at a literal keyword and has
// no nested or overlapping quantifier, and the userinfo forms are found by
// a scan of whitespace-separated runs rather than a regex that could retry
// from every position: a hostile error message must not block the event
// loop (an earlier `[\w-]*?` from every word boundary took seconds on 20 KB).

// key=value and key: value pairs as libpq conninfo strings, driver options
// and JSON print them. The keyword may have any prefix (PGPASSWORD,
// REDIS_PASSWORD, db_password, x-api-key, client_secret), which is left as
// it is, and may be quoted; the "=" or ":" may be percent-encoded. The value
// is quoted (at most 1024 characters) or runs to the next separator.
const SECRET_PAIR =
  /((?:password|passwd|passphrase|pass|pwd|pw|secret|credentials?|api[_-]?key|access[_-]?key|private[_-]?key|auth[_-]?token|sslkey)\b["']?\s*(?:[=:]|%3[ad])\s*)("(?:[^"\\]|\\.){0,1024}"|'(?:[^'\\]|\\.){0,1024}'|[^\s,;&}\])]+)/gi;

// Command-line and configuration forms whose value follows a space:
// `--password hunter2`, Redis's `requirepass hunter2` and `masterauth`.
const SECRET_FLAG =
  /((?:--(?:password|passwd|passphrase|pass|pw)|\b(?:requirepass|masterauth))[ \t]+)("[^"\n]{0,1024}"|'[^'\n]{0,1024}'|[^\s"']+)/gi;

// Redis's AUTH command as a server or a client echoes it: `AUTH password` or
// `AUTH user password`. Both words go, as one cannot tell which form it is.
const REDIS_AUTH = /\b(AUTH[ \t]+)\S+(?:[ \t]+\S+)?/g;

// HTTP authorization headers, as some drivers echo them in errors, also as
// JSON (`"Authorization":"Basic …"`). A Basic or Bearer credential is one
// token; anything else (Digest's parameters) is scrubbed to the end of the
// line or the closing quote.
const AUTHORIZATION =
  /\b((?:proxy-)?authorization["']?\s*[=:]\s*["']?)(?:(basic|bearer)([ \t]+)[^\s"',;}]+|[^\r\n"'}]+)/gi;

/**
 * The keywords without which none of the pair, flag and header forms can
 * match: each keyword above holds one of these. Keep the lists together.
 */
export const CREDENTIAL_WORD = /pass|pwd|pw|secret|credential|key|token|auth/i;

/** Scrubs every form, with no bound on the text's length (the caller cuts it). */
export function scrubForms(text: string): string {
  let out = text.includes("@") ? scrubUserinfo(text) : text;
  if (!CREDENTIAL_WORD.test(out)) return out;
  out = out.replace(SECRET_PAIR, "$1***").replace(SECRET_FLAG, "$1***").replace(REDIS_AUTH, "$1***");
  return out.replace(
    AUTHORIZATION,
    (_m, head: string, scheme: string | undefined, space: string | undefined) =>
      scheme === undefined ? `${head}***` : `${head}${scheme}${space}***`,
  );
}

// --- The userinfo of URLs, with or without a scheme ------------------------

const RUN = /\S+/g;
const SCHEME_CHAR = /[A-Za-z0-9+.-]/;
const LETTER = /[A-Za-z]/;
const PORT_END = /:\d+$/;
const HOST_START = /[\p{L}\p{N}[]/u;
/** Characters after which a bare `user:password@host` may begin. */
const USER_DELIMITERS = "\"'`(<[{,;=";
/** Characters a bare userinfo's user part cannot hold. */
const NOT_USER = ">)]}@/\\";
/** Runs looked ahead for the "@" of a URL whose password holds spaces. */
const MAX_JOINED_RUNS = 3;

/**
 * Replaces the userinfo of every URL (`scheme://user:password@host`) and of
 * every bare `user:password@host` with `***`.
 *
 * A password that was not percent-encoded may hold any character, "/",
 * "#", "?", quotes and "@" included, so a URL's userinfo is everything from
 * the scheme's "//" to the last "@" before the next whitespace. A
 * whitespace right before the "@", or inside the password of a URL (up to
 * three runs on), joins the runs around it.
 */
function scrubUserinfo(text: string): string {
  let out = "";
  let copied = 0;
  RUN.lastIndex = 0;
  for (let match = RUN.exec(text); match !== null; match = RUN.exec(text)) {
    const start = match.index;
    let end = start + match[0].length;
    end = joinedEnd(text, match[0], end);
    RUN.lastIndex = end;
    const run = text.slice(start, end);
    if (!run.includes("@")) continue;
    const scrubbed = scrubRun(run);
    if (scrubbed === run) continue;
    out += text.slice(copied, start) + scrubbed;
    copied = end;
  }
  return copied === 0 ? text : out + text.slice(copied);
}

/**
 * Where the run that starts as `first` really ends: past the runs that
 * follow when the "@" of its userinfo lies in one of them.
 */
function joinedEnd(text: string, first: string, end: number): number {
  const scheme = first.indexOf("://");
  // A URL with no "@" and no path yet, whose authority is `user:pass…` rather
  // than `host:port`, may have a password with a space or a newline in it.
  let awaitsAt = scheme >= 0 && !first.includes("@", scheme) && !first.includes("/", scheme + 3) &&
    first.includes(":", scheme + 3) && !PORT_END.test(first);
  let joinedTo = end;
  let tentative = end;
  for (let looked = 0; looked < MAX_JOINED_RUNS; looked++) {
    let k = tentative;
    while (k < text.length && isSpace(text.charCodeAt(k))) k++;
    if (k >= text.length) break;
    const next = runEnd(text, k);
    if (text[k] === "@") {
      // A whitespace right before the "@" (`user:password\n@host`): always joined.
      joinedTo = tentative = next;
      awaitsAt = false;
      continue;
    }
    if (!awaitsAt) break;
    const at = indexWithin(text, "@", k, next);
    const slash = indexWithin(text, "/", k, next);
    if (at >= 0 && (slash < 0 || slash > at)) return next;
    if (slash >= 0) break;
    tentative = next; // no "@" here: a later run may have it
  }
  return joinedTo;
}

/**
 * Where to cut `text` so that at most `limit` characters are kept and no
 * run is cut, nor a run from the later one that holds its "@": what is
 * kept can be scrubbed on its own, and what is cut off is never shown.
 */
export function cutIndex(text: string, limit: number): number {
  RUN.lastIndex = 0;
  for (let match = RUN.exec(text); match !== null; match = RUN.exec(text)) {
    if (match.index >= limit) return match.index;
    const end = joinedEnd(text, match[0], match.index + match[0].length);
    if (end > limit) return match.index;
    RUN.lastIndex = end;
  }
  return Math.min(text.length, limit);
}

/** The first `char` in `text[from, to)`, or -1: a search that never runs past the run. */
function indexWithin(text: string, char: string, from: number, to: number): number {
  for (let i = from; i < to; i++) if (text[i] === char) return i;
  return -1;
}

function runEnd(text: string, from: number): number {
  let k = from;
  while (k < text.length && !isSpace(text.charCodeAt(k))) k++;
  return k;
}

/** What `\s` matches, as a char code test: this runs once per character looked ahead. */
function isSpace(c: number): boolean {
  if (c <= 32) return c === 32 || (c >= 9 && c <= 13);
  return c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f ||
    c === 0x205f || c === 0x3000 || c === 0xfeff;
}

/** One run (with its joined runs) that holds an "@". */
function scrubRun(run: string): string {
  const lastAt = run.lastIndexOf("@");
  const scheme = run.indexOf("://");
  if (scheme >= 0 && scheme < lastAt) {
    let begin = scheme;
    while (begin > 0 && SCHEME_CHAR.test(run[begin - 1]!)) begin--;
    while (begin < scheme && !LETTER.test(run[begin]!)) begin++;
    if (begin < scheme) {
      // Everything after "//" up to the last "@": the host may be missing or odd, the password is still hidden.
      return scrubBare(run.slice(0, begin)) + run.slice(begin, scheme + 3) + "***" + run.slice(lastAt);
    }
  }
  return scrubBare(run);
}

/**
 * A bare `user:password@host`: it needs the ":" between user and password,
 * so that a plain e-mail address is left alone, and a host after the "@".
 */
function scrubBare(run: string): string {
  let at = run.lastIndexOf("@");
  while (at >= 0 && !(at + 1 < run.length && HOST_START.test(run[at + 1]!))) {
    at = at > 0 ? run.lastIndexOf("@", at - 1) : -1;
  }
  if (at <= 0) return run;
  let userStart = 0;
  for (let i = 0; i < at; i++) {
    const c = run[i]!;
    if (c === ":") {
      if (userStart >= 0 && i > userStart) return run.slice(0, userStart) + "***" + run.slice(at);
      userStart = -1;
    } else if (USER_DELIMITERS.includes(c)) {
      userStart = i + 1;
    } else if (NOT_USER.includes(c)) {
      userStart = -1;
    }
  }
  return run;
}
