/**
 * The small subset of JSON Schema that rule options use, and its validator.
 *
 * @module
 */

/**
 * A JSON schema, in the subset the guard validates: `type`, `properties`,
 * `additionalProperties: false`, `items`, `enum`, `minItems`,
 * `uniqueItems` and `description`.
 */
export interface JsonSchema {
  /** The JSON type of the value. */
  readonly type?: "object" | "array" | "string" | "boolean" | "number" | "integer";
  /** What the option is for, shown in the rule's documentation. */
  readonly description?: string;
  /** An object's properties, each with its own schema. */
  readonly properties?: Readonly<Record<string, JsonSchema>>;
  /** Always `false` on an object: an unknown property is an error, never ignored. */
  readonly additionalProperties?: false;
  /** An array's items' schema. */
  readonly items?: JsonSchema;
  /** The only values allowed. */
  readonly enum?: readonly (string | number | boolean)[];
  /** An array's least length. */
  readonly minItems?: number;
  /** Whether an array's items must differ from one another. */
  readonly uniqueItems?: boolean;
}

/**
 * Validates a value against a schema.
 *
 * @param value The value.
 * @param schema The schema.
 * @param where How to name the value in a message, e.g. `rules.sql-drop[1]`.
 * @returns The problems, each a sentence naming the offending path; empty when valid.
 */
export function validate(value: unknown, schema: JsonSchema, where: string): string[] {
  const problems: string[] = [];
  check(value, schema, where, problems);
  return problems;
}

function check(value: unknown, schema: JsonSchema, where: string, problems: string[]): void {
  switch (schema.type) {
    case "object": {
      if (typeof value !== "object" || value === null || Array.isArray(value)) {
        problems.push(`'${where}' must be an object`);
        return;
      }
      const properties = schema.properties ?? {};
      for (const [key, item] of Object.entries(value)) {
        const property = properties[key];
        if (property === undefined) {
          if (schema.additionalProperties === false) {
            const known = Object.keys(properties);
            problems.push(
              `'${where}' has an unknown key '${key}'${
                known.length > 0 ? `: known keys are ${known.join(", ")}` : ": it takes no keys"
              }`,
            );
          }
          continue;
        }
        check(item, property, `${where}.${key}`, problems);
      }
      return;
    }
    case "array": {
      if (!Array.isArray(value)) {
        problems.push(`'${where}' must be an array`);
        return;
      }
      if (schema.minItems !== undefined && value.length < schema.minItems) {
        problems.push(`'${where}' must have at least ${schema.minItems} item(s)`);
      }
      if (schema.uniqueItems === true && new Set(value.map((v) => JSON.stringify(v))).size !== value.length) {
        problems.push(`'${where}' must not repeat an item`);
      }
      if (schema.items !== undefined) {
        value.forEach((item, i) => check(item, schema.items!, `${where}[${i}]`, problems));
      }
      return;
    }
    case "string":
    case "boolean":
      if (typeof value !== schema.type) {
        problems.push(`'${where}' must be a ${schema.type}: current value is ${JSON.stringify(value)}`);
        return;
      }
      break;
    case "number":
    case "integer":
      if (
        typeof value !== "number" || !Number.isFinite(value) || (schema.type === "integer" && !Number.isInteger(value))
      ) {
        problems.push(
          `'${where}' must be a${schema.type === "integer" ? "n integer" : " number"}: current value is ${
            JSON.stringify(value)
          }`,
        );
        return;
      }
      break;
  }
  if (schema.enum !== undefined && !schema.enum.includes(value as string)) {
    problems.push(
      `'${where}' must be one of ${schema.enum.map((e) => JSON.stringify(e)).join(", ")}: current value is ${
        JSON.stringify(value)
      }`,
    );
  }
}
