#!/usr/bin/env node
// Times the real h3 `sealSession` / `unsealSession` (v1 or v2 line) on one session, for
// session-runtime's `benches/h3.rs`, which prints these numbers next to its own.
//
// Usage: node bench.mjs --version v1|v2 --password P [--iterations N] [--warmup N]
//   stdin:  {"session": {id, createdAt, data}, "sealed": "<a seal of it to unseal>"}
//   stdout: {"seal_ns": median, "unseal_ns": median, "iterations": N}
// Each operation is timed on its own (awaited), after --warmup untimed runs; the median
// per-operation time is reported. Bounded: N is capped at 100000.

import { readFileSync } from "node:fs";
import * as h3v1 from "h3";
import * as h3v2 from "h3-v2";
import { parseOptions, usage } from "./options.mjs";

const opts = parseOptions(process.argv.slice(2));
const version = opts.version;
const iterations = Math.min(Number(opts.iterations ?? 1000), 100000);
const warmup = Math.min(Number(opts.warmup ?? 20), 100000);
if (!(iterations > 0) || !(warmup >= 0)) usage("bad --iterations or --warmup");

const h3 = version === "v1" ? h3v1 : h3v2;
const config = { password: opts.password, name: "h3" };
const input = JSON.parse(readFileSync(0, "utf8"));

function median(values) {
  const sorted = [...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return Number(sorted[Math.floor(sorted.length / 2)]);
}

async function time(op) {
  for (let i = 0; i < warmup; i++) await op();
  const samples = [];
  for (let i = 0; i < iterations; i++) {
    const start = process.hrtime.bigint();
    await op();
    samples.push(process.hrtime.bigint() - start);
  }
  return median(samples);
}

try {
  const sealEvent = { context: { sessions: { h3: input.session } } };
  const seal_ns = await time(() => h3.sealSession(sealEvent, config));
  const unseal_ns = await time(async () => {
    const unsealed = await h3.unsealSession({ context: {} }, config, input.sealed);
    if (!unsealed || unsealed.id !== input.session.id) throw new Error("unseal mismatch");
  });
  process.stdout.write(`${JSON.stringify({ seal_ns, unseal_ns, iterations })}\n`);
} catch (error) {
  process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
