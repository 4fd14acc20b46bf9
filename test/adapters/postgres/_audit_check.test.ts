// The chain check on rows in memory: every kind of tampering, as a table of
// rows, is named with its kind and row; and the canonical form is exactly
// the one the README documents.

import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { describe, test } from "node:test";
import {
  type AuditRow,
  type AuditRowContent,
  canonicalJson,
  canonicalPieces,
  chainHash,
  GENESIS_HASH,
  storable,
} from "../../../adapters/postgres/_audit_chain.ts";
import { type ChainBreakKind, type ChainSource, checkChain } from "../../../adapters/postgres/_audit_check.ts";

function content(seq: number, overrides: Partial<AuditRowContent> = {}): AuditRowContent {
  return {
    seq,
    recorded_at: `2026-12-01T10:00:${String(seq % 60).padStart(2, "0")}.000Z`,
    event: seq % 2 === 1 ? "provisioner.drop" : "provisioner.drop.settled",
    drop_id: `drop-${Math.ceil(seq / 2)}`,
    token: "acme42",
    provider_resource_id: "res-1",
    resource_type: "postgres",
    backend: "shared",
    request_id: "req-1",
    caller: "billing",
    intent: "customer_request",
    outcome: seq % 2 === 0 ? "ok" : null,
    error: null,
    reason: null,
    ...overrides,
  };
}

/** An intact chain of n rows, as the store writes it. */
function chain(n: number): AuditRow[] {
  const rows: AuditRow[] = [];
  for (let seq = 1; seq <= n; seq++) rows.push(sealed(content(seq), rows[rows.length - 1]?.hash ?? GENESIS_HASH));
  return rows;
}

function sealed(c: AuditRowContent, prevHash: string): AuditRow {
  return { ...c, prev_hash: prevHash, hash: chainHash(prevHash, c) };
}

function source(rows: readonly AuditRow[]): ChainSource {
  const ordered = [...rows].sort((a, b) => a.seq - b.seq);
  return {
    async *rows() {
      yield* ordered;
    },
    byHash: async (hash) => ordered.find((row) => row.hash === hash),
    after: async (seq) => ordered.find((row) => row.seq > seq),
  };
}

/** Renumbers rows (as an attacker would, without re-hashing). */
const renumbered = (rows: AuditRow[], from: number, by: number) =>
  rows.map((row) => (row.seq >= from ? { ...row, seq: row.seq + by } : row));

describe("the canonical form", () => {
  test("sorted keys, no whitespace, every content column, nulls kept", () => {
    const json = canonicalJson(content(1));
    assert.equal(
      json,
      '{"backend":"shared","caller":"billing","drop_id":"drop-1","error":null,"event":"provisioner.drop",' +
        '"intent":"customer_request","outcome":null,"provider_resource_id":"res-1","reason":null,' +
        '"recorded_at":"2026-12-01T10:00:01.000Z","request_id":"req-1","resource_type":"postgres","seq":1,"token":"acme42"}',
    );
  });

  test("the hash is sha256 of the prev_hash's hex followed by the canonical JSON, as UTF-8", () => {
    const c = content(7, { caller: 'zoë ✓ "quoted" \n' });
    const expected = createHash("sha256").update(Buffer.from(`${GENESIS_HASH}${canonicalJson(c)}`, "utf8")).digest(
      "hex",
    );
    assert.equal(chainHash(GENESIS_HASH, c), expected);
    assert.match(canonicalJson(c), /"caller":"zoë ✓ \\"quoted\\" \\n"/);
  });

  test("a value that is neither a string, a safe integer nor null cannot be hashed", () => {
    assert.throws(() => canonicalJson({ ...content(1), seq: 1.5 }), /'seq' must be a string, a safe integer or null/);
    assert.throws(() => canonicalJson({ ...content(1), token: undefined as unknown as string }), /'token'/);
  });

  test("storable: NUL and lone surrogates become U+FFFD, so that what is hashed is what PostgreSQL keeps", () => {
    assert.equal(storable("a\u0000b"), "a\uFFFDb");
    assert.equal(storable("x\uD800y\uDC00"), "x\uFFFDy\uFFFD");
    assert.equal(storable("ok 😀"), "ok 😀");
  });
});

describe("checkChain", () => {
  test("an intact chain: every row read, the head named, no break", async () => {
    const rows = chain(9);
    const checked = await checkChain(source(rows));
    assert.equal(checked.rows, 9);
    assert.deepEqual(checked.head, { seq: 9, hash: rows[8]!.hash });
    assert.equal(checked.break, undefined);
  });

  test("an empty table is intact", async () => {
    const checked = await checkChain(source([]));
    assert.deepEqual([checked.rows, checked.head, checked.break], [0, undefined, undefined]);
  });

  // Each row: how the chain of 8 rows was tampered with, and the break that must be named.
  const tampered: {
    name: string;
    tamper: (rows: AuditRow[]) => AuditRow[];
    kind: ChainBreakKind;
    seq: number;
    dropId: string | null;
  }[] = [
    {
      name: "a field edited",
      tamper: (r) => r.map((row) => (row.seq === 3 ? { ...row, token: "other" } : row)),
      kind: "edited",
      seq: 3,
      dropId: "drop-2",
    },
    {
      name: "a NULL field set",
      tamper: (r) => r.map((row) => (row.seq === 5 ? { ...row, reason: "x" } : row)),
      kind: "edited",
      seq: 5,
      dropId: "drop-3",
    },
    {
      name: "the first row's field edited",
      tamper: (r) => r.map((row) => (row.seq === 1 ? { ...row, caller: "x" } : row)),
      kind: "edited",
      seq: 1,
      dropId: "drop-1",
    },
    {
      name: "the last row's field edited",
      tamper: (r) => r.map((row) => (row.seq === 8 ? { ...row, outcome: "error" } : row)),
      kind: "edited",
      seq: 8,
      dropId: "drop-4",
    },
    {
      name: "a stored hash replaced",
      tamper: (r) => r.map((row) => (row.seq === 4 ? { ...row, hash: "f".repeat(64) } : row)),
      kind: "edited",
      seq: 4,
      dropId: "drop-2",
    },
    {
      name: "a prev_hash replaced",
      tamper: (r) => r.map((row) => (row.seq === 6 ? { ...row, prev_hash: "e".repeat(64) } : row)),
      kind: "edited",
      seq: 6,
      dropId: "drop-3",
    },
    {
      name: "a field edited and the row re-hashed",
      tamper: (r) => r.map((row) => (row.seq === 3 ? sealed({ ...row, token: "other" }, row.prev_hash) : row)),
      kind: "edited",
      seq: 3,
      dropId: "drop-2",
    },
    {
      name: "a middle row deleted",
      tamper: (r) => r.filter((row) => row.seq !== 4),
      kind: "deleted",
      seq: 4,
      dropId: null,
    },
    {
      name: "three rows deleted",
      tamper: (r) => r.filter((row) => row.seq < 3 || row.seq > 5),
      kind: "deleted",
      seq: 3,
      dropId: null,
    },
    {
      name: "the first row deleted",
      tamper: (r) => r.filter((row) => row.seq !== 1),
      kind: "deleted",
      seq: 1,
      dropId: null,
    },
    {
      name: "a row deleted and the later rows renumbered",
      tamper: (r) => renumbered(r.filter((row) => row.seq !== 4), 5, -1),
      kind: "deleted",
      seq: 4,
      dropId: null,
    },
    {
      name: "the first rows deleted and the rest renumbered",
      tamper: (r) => renumbered(r.filter((row) => row.seq > 2), 3, -2),
      kind: "deleted",
      seq: 1,
      dropId: null,
    },
    {
      name: "a forged row inserted, correctly chained to the row before it, the later rows renumbered",
      tamper: (r) => {
        const forged = sealed(content(4, { drop_id: "forged", token: "victim" }), r[2]!.hash);
        return [...r.slice(0, 3), forged, ...renumbered(r.slice(3), 4, 1)];
      },
      kind: "inserted",
      seq: 4,
      dropId: "forged",
    },
    {
      name: "a forged row inserted with a made-up prev_hash",
      tamper: (r) => {
        const forged = sealed(content(4, { drop_id: "forged" }), "a".repeat(64));
        return [...r.slice(0, 3), forged, ...renumbered(r.slice(3), 4, 1)];
      },
      kind: "inserted",
      seq: 4,
      dropId: "forged",
    },
    {
      name: "two forged rows inserted",
      tamper: (r) => {
        const one = sealed(content(3, { drop_id: "forged-1" }), r[1]!.hash);
        const two = sealed(content(4, { drop_id: "forged-2" }), one.hash);
        return [...r.slice(0, 2), one, two, ...renumbered(r.slice(2), 3, 2)];
      },
      kind: "inserted",
      seq: 3,
      dropId: "forged-1",
    },
    {
      name: "a forged first row, chained from the genesis hash",
      tamper: (r) => [sealed(content(1, { drop_id: "forged" }), GENESIS_HASH), ...renumbered(r, 1, 1)],
      kind: "inserted",
      seq: 1,
      dropId: "forged",
    },
    {
      name: "a forged row appended with a made-up prev_hash and hash",
      tamper: (r) => [...r, { ...content(9, { drop_id: "forged" }), prev_hash: "a".repeat(64), hash: "b".repeat(64) }],
      kind: "inserted",
      seq: 9,
      dropId: "forged",
    },
    {
      name: "a copy of a row appended under a new seq",
      tamper: (r) => [...r, { ...r[2]!, seq: 9 }],
      kind: "inserted",
      seq: 9,
      dropId: "drop-2",
    },
    {
      name: "a forged row appended, chained to a middle row and hashed correctly",
      tamper: (r) => [...r, sealed(content(9, { drop_id: "forged" }), r[3]!.hash)],
      kind: "inserted",
      seq: 9,
      dropId: "forged",
    },
    {
      name: "a forged row appended with another row's prev_hash and a made-up hash",
      tamper: (r) => [...r, { ...content(9, { drop_id: "forged" }), prev_hash: r[4]!.prev_hash, hash: "c".repeat(64) }],
      kind: "inserted",
      seq: 9,
      dropId: "forged",
    },
    {
      name: "a row's recorded_at edited",
      tamper: (r) => r.map((row) => (row.seq === 2 ? { ...row, recorded_at: "2020-01-01T00:00:00.000Z" } : row)),
      kind: "edited",
      seq: 2,
      dropId: "drop-1",
    },
    {
      name: "two rows' seq swapped",
      tamper: (r) => r.map((row) => (row.seq === 3 ? { ...row, seq: 4 } : row.seq === 4 ? { ...row, seq: 3 } : row)),
      kind: "reordered",
      seq: 3,
      dropId: "drop-2",
    },
    {
      name: "a row moved to the end",
      tamper: (
        r,
      ) => [...r.filter((row) => row.seq !== 2).map((row) => (row.seq > 2 ? { ...row, seq: row.seq - 1 } : row)), {
        ...r[1]!,
        seq: 8,
      }],
      kind: "reordered",
      seq: 2,
      dropId: "drop-2",
    },
  ];
  for (const { name, tamper, kind, seq, dropId } of tampered) {
    test(`${name}: ${kind} at seq ${seq}`, async () => {
      const checked = await checkChain(source(tamper(chain(8))));
      assert.ok(checked.break !== undefined, "a break is found");
      assert.equal(checked.break.kind, kind, checked.break.detail);
      assert.equal(checked.break.seq, seq, checked.break.detail);
      assert.equal(checked.break.drop_id, dropId, checked.break.detail);
      assert.ok(checked.rows <= 9, `${checked.rows} rows read: the walk stops at the break`);
    });
  }

  test("rows cut from the end: intact on its own, truncated against the stored head", async () => {
    const rows = chain(8);
    const anchor = rows[7]!.hash;
    const cut = rows.slice(0, 6);
    assert.equal((await checkChain(source(cut))).break, undefined, "no anchor, no way to tell");
    const checked = await checkChain(source(cut), anchor);
    assert.equal(checked.break?.kind, "truncated");
    assert.equal(checked.break?.seq, 6);
  });

  test("the stored head found, with rows appended after it: intact, and where it was found", async () => {
    const rows = chain(8);
    const checked = await checkChain(source(rows), rows[4]!.hash);
    assert.equal(checked.break, undefined);
    assert.equal(checked.anchorSeq, 5);
  });

  test("a chain rewritten from a row on, every hash recomputed, is caught only by the anchor", async () => {
    const rows = chain(8);
    const anchor = rows[7]!.hash;
    const rewritten = rows.slice(0, 4);
    for (let seq = 5; seq <= 8; seq++) {
      rewritten.push(sealed(content(seq, { token: "rewritten" }), rewritten[rewritten.length - 1]!.hash));
    }
    assert.equal((await checkChain(source(rewritten))).break, undefined);
    assert.equal((await checkChain(source(rewritten), anchor)).break?.kind, "truncated");
  });
});

describe("canonicalPieces", () => {
  test("the pieces around recorded_at and seq make exactly the canonical JSON", () => {
    for (
      const c of [
        content(1),
        content(2, { error: 'x "y" \\ z', reason: "r" }),
        content(123456789, { intent: null, caller: "ünïcødé 😀" }),
      ]
    ) {
      const { seq, recorded_at, ...fields } = c;
      const pieces = canonicalPieces(fields);
      assert.equal(
        `${pieces.beforeRecordedAt}${JSON.stringify(recorded_at)}${pieces.beforeSeq}${seq}${pieces.afterSeq}`,
        canonicalJson(c),
      );
    }
  });
});
