/**
 * The `cli-drop` rule: database tools run as child processes (`dropdb`,
 * `dropuser`, `psql -c 'DROP …'`, `mysqladmin drop`, `redis-cli FLUSHALL`,
 * `rabbitmqctl delete_vhost`, …).
 *
 * @module
 */

import type ts from "typescript";
import { typescript } from "../_typescript.ts";
import { type CliDrop, findCliDrops, mayRunTool, shellCommands, sqlClientOf, type Word } from "../_command_line.ts";
import { type Folded, unwrap } from "../_fold.ts";
import { localBinding } from "../_scope.ts";
import { namedLikeRunner, ProcessRunners } from "./_process_runner.ts";
import { findSqlDrops, SQL_DROP_OBJECTS, textWithHoles } from "../_sql.ts";
import { createRule, type RuleModule } from "../create_rule.ts";

// The TypeScript namespace exports its members as getters: the walk reads
// them once here, not at every node.
const {
  isArrayLiteralExpression,
  isIdentifier,
  isNoSubstitutionTemplateLiteral,
  isObjectLiteralExpression,
  isPropertyAccessExpression,
  isPropertyAssignment,
  isSpreadElement,
  isStringLiteral,
  isTemplateExpression,
} = typescript;

const SQL_OBJECTS: ReadonlySet<string> = new Set(SQL_DROP_OBJECTS);
// A const argv defined through other consts deeper than this is not followed.
const MAX_ARGV_DEPTH = 8;

/**
 * Reports a database tool run as a child process outside a sanctioned
 * function: `dropdb`, `dropuser`; `psql`/`mysql` with a DROP DATABASE,
 * ROLE, USER, SCHEMA or OWNED in `-c`/`--command=`/`-e` or on its input;
 * `mysqladmin drop`; `redis-cli FLUSHALL|FLUSHDB|ACL DELUSER`;
 * `rabbitmqctl delete_vhost|delete_user`, `rabbitmqadmin delete vhost|user`;
 * `mongosh --eval` with a database or user drop.
 *
 * The command may be one string (`exec`, `execSync`, execa's `` $`…` ``,
 * `execaCommand`), or a program and an argv (`execFile`, `spawn`, `execa`,
 * `*Sync`), inline or in a `const` array, behind `sudo`, `env`, `sh -c`,
 * `docker exec`, `kubectl exec … --` or `ssh host`. The runner is known by
 * its symbol: an export of `child_process` or execa under any alias, a
 * namespace member, a `const` copy, a destructured member, `util.promisify`
 * of one, or a user function that hands its arguments to one. Its name
 * (`exec…`, `spawn…`, `run`, `sh`) counts only when no symbol resolves.
 *
 * @example Flagged and quiet
 * ```ts ignore
 * execFileSync("sudo", ["-u", "postgres", "dropdb", name]);    // flagged
 * await $`redis-cli -n ${db} FLUSHDB`;                         // flagged
 * execFileSync("createdb", [name]);                            // quiet
 * ```
 */
export const cliDrop: RuleModule<"command", readonly []> = createRule({
  name: "cli-drop",
  meta: {
    docs: {
      description: "A database tool run as a child process to drop a tenant, outside a sanctioned function",
      details:
        "dropdb, dropuser, psql or mysql running a DROP (-c, --command=, -e, or the input), mysqladmin drop, redis-cli " +
        "FLUSHALL/FLUSHDB/ACL DELUSER, rabbitmqctl delete_vhost/delete_user, rabbitmqadmin delete vhost/user and mongosh " +
        "--eval dropping a database or user destroy a tenant from outside the process. They may run only inside a function " +
        "tagged /** @sanctionedDrop */ that is called only inside a guardedDrop drop callback. The command is read from one " +
        "string (exec, execa's $`…`) or from a program and its argv (execFile, spawn, execa), inline or in a const array, " +
        "behind sudo, env, sh -c, docker exec, kubectl exec and ssh. The runner is resolved by its symbol (child_process and " +
        "execa exports through aliases, namespace imports, const copies, destructuring, util.promisify and wrapper functions); " +
        "a user function that runs no process stays quiet whatever its name.",
    },
    messages: {
      command: "`{{command}}` run as a child process outside a sanctioned function: move it into a function tagged " +
        "/** @sanctionedDrop */ and call that function only inside a guardedDrop(request, () => …) drop callback",
    },
    schema: [],
    allowedIn: "sanctioned",
  },
  defaultOptions: [],
  create(context) {
    const report = (found: readonly CliDrop<ts.Node>[]) => {
      for (const { command, node } of found) context.report({ node, messageId: "command", data: { command } });
    };
    // A word that holds a command line of its own (`sh -c "…"`): its commands.
    const nested = (word: Word<ts.Node>): Word<ts.Node>[][] =>
      shellCommands([word.text]).map((command) => command.map((text) => ({ text, node: word.node })));
    // Calls whose argv is an array: read when the file's walk is over, when
    // the parents are set and every const is known.
    const calls: (ts.CallExpression | ts.NewExpression)[] = [];
    // Whether a call runs a process is asked only of a call whose argv holds
    // a destructive command: resolving the callee costs the checker.
    const runners = new ProcessRunners({
      get checker() {
        return context.typed ? context.checker : undefined;
      },
      packagesOf: (symbol) => context.packagesOf(symbol),
    });
    return {
      CallExpression(node) {
        if (mayRun(node, context.typed)) calls.push(node);
      },
      NewExpression(node) {
        if (mayRun(node, context.typed)) calls.push(node);
      },
      StringExpression({ node, folded, text }) {
        if (!mayRunTool(text)) return;
        for (const alternative of folded) {
          const commands = shellCommands(alternative);
          // A lone program name (`"dropdb"`) is read with its argv, by the call.
          if (commands.length === 1 && commands[0]!.length === 1) continue;
          const found = commands.flatMap((command) => findCliDrops(command.map((w) => ({ text: w, node })), nested));
          if (found.length > 0) {
            report(found.slice(0, 1));
            return;
          }
          // SQL on the client's input: `echo "DROP …" | psql`, a heredoc.
          const client = sqlClientOf(commands);
          const drops = client === undefined ? [] : findSqlDrops([alternative], SQL_OBJECTS);
          if (drops.length > 0) {
            report([{ command: `${client} DROP ${drops.join(", DROP ")}`, node }]);
            return;
          }
        }
      },
      "SourceFile:exit"() {
        for (const call of calls.splice(0)) {
          const argv = argvOf(call, context.fold);
          if (argv === undefined) continue;
          const found = findCliDrops(argv.words, nested);
          if (found.length > 0) {
            if (runners.isRunner(call)) report(found.slice(0, 1));
            continue;
          }
          // `execFileSync("psql", [url], { input: "DROP DATABASE x" })`.
          if (argv.input !== undefined && sqlClientOf([argv.words.map((w) => w.text)]) !== undefined) {
            const drops = findSqlDrops(context.fold(argv.input), SQL_OBJECTS);
            const client = sqlClientOf([argv.words.map((w) => w.text)])!;
            if (drops.length > 0 && runners.isRunner(call)) {
              report([{ command: `${client} DROP ${drops.join(", DROP ")}`, node: argv.input }]);
            }
          }
        }
      },
    };
  },
});

// This runs at every call, so it only looks at syntax: a callee named like a
// runner, or (when symbols can tell) a program and something more, which is
// the shape of `runner(program, argv)` under any name.
function mayRun(call: ts.CallExpression | ts.NewExpression, typed: boolean): boolean {
  const args = call.arguments;
  if (args === undefined || args.length === 0) return false;
  if (namedLikeRunner(call.expression)) return true;
  if (!typed || args.length < 2) return false;
  const program = args[0]!;
  return isStringLiteral(program) || isNoSubstitutionTemplateLiteral(program) || isTemplateExpression(program) ||
    isIdentifier(program) || isPropertyAccessExpression(program);
}

// The argv a runner call runs, when it has one in an array (inline, or a
// const): the program's words, then each element. `undefined` when no
// argument is an array: the command is one string, read as such.
function argvOf(
  call: ts.CallExpression | ts.NewExpression,
  fold: (node: ts.Expression) => Folded,
): { words: Word<ts.Node>[]; input: ts.Expression | undefined } | undefined {
  const args = call.arguments ?? [];
  const words: Word<ts.Node>[] = [];
  let array = false;
  let input: ts.Expression | undefined;
  args.forEach((argument, index) => {
    const elements = arrayElements(argument, 0);
    if (elements !== undefined) {
      array = true;
      for (const element of elements) words.push({ text: textOf(element, fold), node: element });
      return;
    }
    const value = unwrap(argument);
    if (isObjectLiteralExpression(value)) {
      for (const property of value.properties) {
        if (!isPropertyAssignment(property) || !(isIdentifier(property.name) || isStringLiteral(property.name))) {
          continue;
        }
        const key = property.name.text;
        // `{ input: "DROP …" }` (child_process, execa); `{ args: […] }` (Deno.Command).
        if (key === "input") input = property.initializer;
        const listed = key === "args" ? arrayElements(property.initializer, 0) : undefined;
        if (listed !== undefined) {
          array = true;
          for (const element of listed) words.push({ text: textOf(element, fold), node: element });
        }
      }
      return;
    }
    // The program, or a command line before the argv (`execa("sudo -u pg", […])`).
    if (index === 0) {
      for (const text of shellCommands(fold(argument)[0] ?? [null])[0] ?? []) words.push({ text, node: argument });
    }
  });
  return array || input !== undefined ? { words, input } : undefined;
}

// An array literal's elements, through const bindings and spreads of them.
function arrayElements(node: ts.Expression, depth: number): ts.Expression[] | undefined {
  if (depth > MAX_ARGV_DEPTH) return undefined;
  let value = unwrap(node);
  if (isIdentifier(value)) {
    const binding = localBinding(value);
    if (binding?.kind !== "const") return undefined;
    value = unwrap(binding.initializer);
  }
  if (!isArrayLiteralExpression(value)) return undefined;
  const elements: ts.Expression[] = [];
  for (const element of value.elements) {
    if (isSpreadElement(element)) {
      const spread = arrayElements(element.expression, depth + 1);
      if (spread !== undefined) elements.push(...spread);
      else elements.push(element);
    } else {
      elements.push(element);
    }
  }
  return elements;
}

function textOf(node: ts.Expression, fold: (node: ts.Expression) => Folded): string {
  return isSpreadElement(node) ? "\uFFFF" : textWithHoles(fold(node)[0] ?? [null]);
}
