/**
 * Command lines: the database tools a child process runs, found in shell
 * text or in an argv, through `sudo`, `env`, `sh -c`, `docker exec`,
 * `kubectl exec` and `ssh`.
 *
 * @module
 */

import type { Piece } from "./_fold.ts";
import { redisWords } from "./_redis_words.ts";
import { findSqlDrops, SQL_DROP_OBJECTS } from "./_sql.ts";

/** One argument of a command, with what it came from (a string expression, an argv element). */
export interface Word<N> {
  /** The argument's text; a run-time value is `\uFFFF`. */
  readonly text: string;
  readonly node: N;
}

/** A destructive command found, and the word that makes it so. */
export interface CliDrop<N> {
  /** What runs, for messages: `dropdb`, `psql DROP DATABASE`, `redis-cli FLUSHALL`. */
  readonly command: string;
  readonly node: N;
}

const HOLE = "\uFFFF";
const SQL_OBJECTS: ReadonlySet<string> = new Set(SQL_DROP_OBJECTS);
// Nested command lines (`sh -c "sudo -u postgres sh -c '…'"`) deeper than
// this are not looked into.
const MAX_NESTING = 4;

// Tools whose very name is the drop.
const DROP_TOOLS: ReadonlySet<string> = new Set(["dropdb", "dropuser"]);
// SQL clients: a DROP statement in their arguments or their input.
const SQL_CLIENTS: ReadonlySet<string> = new Set([
  "psql",
  "mysql",
  "mariadb",
  "cockroach",
  "clickhouse-client",
  "sqlcmd",
]);
const REDIS_CLIENTS: ReadonlySet<string> = new Set(["redis-cli", "valkey-cli", "keydb-cli"]);
const MONGO_SHELLS: ReadonlySet<string> = new Set(["mongosh", "mongo"]);
const MONGO_DROP = /\b(dropDatabase|dropUser|dropAllUsersFromDatabase|removeUser)\b/;
// Programs that run the command after them.
const WRAPPERS: ReadonlySet<string> = new Set([
  "time",
  "nohup",
  "exec",
  "nice",
  "ionice",
  "stdbuf",
  "timeout",
  "xargs",
  "chronic",
]);
const SHELLS: ReadonlySet<string> = new Set(["sh", "bash", "zsh", "dash", "ash", "ksh"]);
// Options of sudo, docker exec and ssh that take a value.
const SUDO_VALUE_OPTIONS: ReadonlySet<string> = new Set([
  "-u",
  "-g",
  "-p",
  "-C",
  "-D",
  "-r",
  "-t",
  "-U",
  "-T",
  "-h",
  "--user",
  "--group",
]);
const DOCKER_VALUE_OPTIONS: ReadonlySet<string> = new Set([
  "-u",
  "-e",
  "-w",
  "--user",
  "--env",
  "--workdir",
  "--env-file",
]);
const SSH_VALUE_OPTIONS: ReadonlySet<string> = new Set([
  "-p",
  "-i",
  "-o",
  "-l",
  "-J",
  "-F",
  "-b",
  "-c",
  "-E",
  "-L",
  "-R",
  "-D",
  "-W",
]);
const KUBECTL_VALUE_OPTIONS: ReadonlySet<string> = new Set(["-n", "-c", "--namespace", "--container", "--context"]);

/**
 * A quick test of a string before it is parsed: it names one of the tools.
 *
 * @param text The known text of a string expression.
 * @returns `true` when a tool's name occurs.
 */
export function mayRunTool(text: string): boolean {
  return /drop(?:db|user)|psql|mysql|mariadb|cockroach|clickhouse|sqlcmd|redis-cli|valkey-cli|keydb-cli|rabbitmq|mongo/i
    .test(text);
}

/**
 * The shell words of command-line text, split into commands at `;`, `&`,
 * `|`, new lines and parentheses. Quotes group a word (their content kept
 * as one word), a run-time value stays inside its word.
 *
 * @param alternative One alternative of a folded string.
 * @returns The commands, each a list of words.
 */
export function shellCommands(alternative: readonly Piece[]): string[][] {
  let text = "";
  for (const piece of alternative) text += piece ?? HOLE;
  const commands: string[][] = [];
  let words: string[] = [];
  let word: string | undefined;
  const endWord = () => {
    if (word !== undefined) words.push(word);
    word = undefined;
  };
  const endCommand = () => {
    endWord();
    if (words.length > 0) commands.push(words);
    words = [];
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === "'" || c === '"') {
      let j = i + 1;
      let content = "";
      while (j < text.length && text[j] !== c) {
        if (c === '"' && text[j] === "\\" && j + 1 < text.length) j++;
        content += text[j];
        j++;
      }
      word = (word ?? "") + content;
      i = j;
    } else if (c === "\\" && i + 1 < text.length && text[i + 1] !== "\n") {
      word = (word ?? "") + text[i + 1];
      i++;
    } else if (/\s/.test(c) && c !== "\n") {
      endWord();
    } else if (c === ";" || c === "&" || c === "|" || c === "\n" || c === "(" || c === ")" || c === "`") {
      endCommand();
    } else if (c === "$" && text[i + 1] === "(") {
      endCommand();
      i++;
    } else {
      word = (word ?? "") + c;
    }
  }
  endCommand();
  return commands;
}

/**
 * The destructive tool commands in an argv: the tool after any prefix
 * (`sudo -u postgres`, `env A=b`, `docker exec -it db`, `kubectl exec pod --`,
 * `ssh host`), and the argument that makes it destructive. `sh -c`, `su -c`
 * and ssh's remote command are command lines of their own, read in turn.
 *
 * @param words The argv.
 * @param nested Returns the words of a command line held in one word (`sh -c "…"`).
 * @param depth The nesting depth.
 * @returns What was found.
 */
export function findCliDrops<N>(
  words: readonly Word<N>[],
  nested: (word: Word<N>) => Word<N>[][],
  depth = 0,
): CliDrop<N>[] {
  let i = 0;
  const at = (k: number) => words[k]?.text ?? "";
  const skipOptions = (valueOptions: ReadonlySet<string>) => {
    while (i < words.length && at(i).startsWith("-")) {
      const option = at(i);
      i++;
      if (option === "--") break;
      if (valueOptions.has(option)) i++;
    }
  };
  const inner = (index: number): CliDrop<N>[] => {
    if (depth >= MAX_NESTING || words[index] === undefined) return [];
    return nested(words[index]!).flatMap((command) => findCliDrops(command, nested, depth + 1));
  };
  for (;;) {
    const program = programName(at(i));
    if (program === "sudo" || program === "doas") {
      i++;
      skipOptions(SUDO_VALUE_OPTIONS);
    } else if (program === "env") {
      i++;
      while (i < words.length && (at(i).startsWith("-") || /^\w+=/.test(at(i)))) i++;
    } else if (/^[A-Za-z_]\w*=/.test(at(i))) {
      i++;
    } else if (WRAPPERS.has(program)) {
      i++;
      skipOptions(new Set(["-n", "-s", "-k", "-c"]));
      if (program === "timeout" && /^\d/.test(at(i))) i++;
    } else if (SHELLS.has(program) || program === "su" || program === "runuser") {
      // `sh -c "dropdb x"`, `su postgres -c 'dropdb x'`, `runuser -u postgres -- dropdb x`.
      const flag = words.findIndex((w, k) => k > i && /^-[a-z]*c$/.test(w.text));
      if (flag !== -1) return inner(flag + 1);
      const separator = words.findIndex((w, k) => k > i && w.text === "--");
      if (program !== "runuser" || separator === -1) return [];
      i = separator + 1;
    } else if ((program === "docker" || program === "podman" || program === "nerdctl") && at(i + 1) === "exec") {
      i += 2;
      skipOptions(DOCKER_VALUE_OPTIONS);
      i++; // the container
    } else if ((program === "docker" || program === "podman") && at(i + 1) === "compose" && at(i + 2) === "exec") {
      i += 3;
      skipOptions(DOCKER_VALUE_OPTIONS);
      i++; // the service
    } else if ((program === "kubectl" || program === "oc") && at(i + 1) === "exec") {
      const separator = words.findIndex((w, k) => k > i && w.text === "--");
      if (separator === -1) return [];
      i = separator + 1;
    } else if (program === "ssh") {
      i++;
      skipOptions(SSH_VALUE_OPTIONS);
      i++; // the host
      // The remote command: one word, or several joined by the remote shell.
      if (i < words.length - 1) return findCliDrops(words.slice(i), nested, depth + 1);
      return inner(i);
    } else {
      break;
    }
    if (i >= words.length) return [];
  }
  const tool = programName(at(i));
  const args = words.slice(i + 1);
  if (DROP_TOOLS.has(tool)) {
    if (args.length > 0 && args.every((w) => /^--?(?:help|version|\?|V)$/.test(w.text))) return [];
    return [{ command: tool, node: words[i]!.node }];
  }
  if (SQL_CLIENTS.has(tool)) {
    for (const arg of args) {
      const found = findSqlDrops([[arg.text]], SQL_OBJECTS);
      if (found.length > 0) return [{ command: `${tool} DROP ${found.join(", DROP ")}`, node: arg.node }];
    }
    return [];
  }
  if (tool === "mysqladmin") {
    const drop = args.find((w) => w.text.toLowerCase() === "drop");
    return drop === undefined ? [] : [{ command: "mysqladmin drop", node: drop.node }];
  }
  if (REDIS_CLIENTS.has(tool)) {
    for (let k = 0; k < args.length; k++) {
      const tokens = redisWords([args[k]!.text]);
      const flush = tokens.find((t) => t === "FLUSHALL" || t === "FLUSHDB");
      if (flush !== undefined) return [{ command: `${tool} ${flush}`, node: args[k]!.node }];
      const deluser = tokens.some((t, n) => t === "DELUSER" && tokens[n - 1] === "ACL") ||
        (tokens.length === 1 && tokens[0] === "DELUSER" && args[k - 1]?.text.toUpperCase() === "ACL");
      if (deluser) return [{ command: `${tool} ACL DELUSER`, node: args[k]!.node }];
    }
    return [];
  }
  if (tool === "rabbitmqctl") {
    const sub = args.find((w) => w.text === "delete_vhost" || w.text === "delete_user");
    return sub === undefined ? [] : [{ command: `rabbitmqctl ${sub.text}`, node: sub.node }];
  }
  if (tool === "rabbitmqadmin") {
    const k = args.findIndex((w, n) =>
      w.text === "delete" && (args[n + 1]?.text === "vhost" || args[n + 1]?.text === "user")
    );
    return k === -1 ? [] : [{ command: `rabbitmqadmin delete ${args[k + 1]!.text}`, node: args[k]!.node }];
  }
  if (MONGO_SHELLS.has(tool)) {
    for (const arg of args) {
      const match = MONGO_DROP.exec(arg.text);
      if (match !== null) return [{ command: `${tool} ${match[1]}`, node: arg.node }];
    }
  }
  return [];
}

/**
 * The SQL client a command line runs, if any: for SQL fed on its input
 * (`echo "DROP …" | psql`, a heredoc), which is not among its arguments.
 *
 * @param commands The commands of a command line.
 * @returns The client's name, or `undefined`.
 */
export function sqlClientOf(commands: readonly (readonly string[])[]): string | undefined {
  for (const command of commands) {
    for (const word of command) {
      const name = programName(word);
      if (SQL_CLIENTS.has(name)) return name;
    }
  }
  return undefined;
}

// `/usr/lib/postgresql/15/bin/dropdb` → `dropdb`; `DROPDB.EXE` → `dropdb`.
function programName(word: string): string {
  const base = word.slice(word.lastIndexOf("/") + 1).toLowerCase();
  return base.endsWith(".exe") ? base.slice(0, -4) : base;
}
