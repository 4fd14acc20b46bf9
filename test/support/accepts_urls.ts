/**
 * The factories of the connection-URL suites, and their valid rows: an
 * adapter is made from each valid URL and closed.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { Deprovisioner } from "../../lib/mod.ts";

/** An adapter factory under test, made from one URL. */
export interface UrlFactory {
  readonly name: string;
  readonly make: (url: string) => Deprovisioner;
  readonly scheme: string;
  /** The option that holds the URL, as the factory's messages name it. */
  readonly option: string;
  /** URLs the factory must accept. */
  readonly valid: readonly string[];
}

/** Asserts that `make` accepts every URL of `urls` (and closes what it made). */
export async function assertAcceptsUrls(make: (url: string) => Deprovisioner, urls: readonly string[]): Promise<void> {
  let made = 0;
  for (const url of urls) {
    let adapter: Deprovisioner;
    try {
      adapter = make(url);
    } catch (err) {
      assert.fail(`valid row ${made + 1} of ${urls.length} was refused: ${(err as Error).message}`);
    }
    made++;
    await adapter.close();
  }
  assert.equal(made, urls.length);
}
