#!/usr/bin/env node
// Drive the real, unmodified h3 `sealSession` / `unsealSession` (v1 and v2 lines)
// as a test oracle for session-runtime's iron codec.
//
// Usage:
//   node cli.mjs seal   --version v1|v2 --password P [--max-age S] [--now MS]
//                       [--enc-salt HEX --mac-salt HEX --iv-b64 B64URL]
//        stdin:  the session as JSON text, e.g. {"id":"1","createdAt":1700000000000,"data":{}}
//        stdout: the sealed string (one line)
//   node cli.mjs unseal --version v1|v2 --password P [--max-age S] [--now MS]
//                       [--no-legacy-fallback]
//        stdin:  the sealed string
//        stdout: {"json": JSON.stringify(unsealed), "legacy": bool}
//
// --password may also be a JSON object (an id -> secret map, iron rotation) when it
// starts with "{"; --seal-id ID seals with {id: ID, secret: map[ID]}.
// Errors go to stderr as "error: <message>" with exit code 1; usage errors exit 2.
// --now fakes Date.now() (milliseconds) for the whole run.

import { readFileSync } from "node:fs";
import * as h3v1 from "h3";
import * as h3v2 from "h3-v2";

function usage(msg) {
  process.stderr.write(`usage error: ${msg}\n`);
  process.exit(2);
}

const [command, ...rest] = process.argv.slice(2);
const opts = {};
for (let i = 0; i < rest.length; i++) {
  const arg = rest[i];
  if (!arg.startsWith("--")) usage(`unexpected argument ${arg}`);
  const name = arg.slice(2);
  if (name === "no-legacy-fallback") {
    opts[name] = true;
    continue;
  }
  if (i + 1 >= rest.length) usage(`missing value for ${arg}`);
  opts[name] = rest[++i];
}

if (command !== "seal" && command !== "unseal") usage("command must be seal or unseal");
const version = opts.version ?? "v1";
if (version !== "v1" && version !== "v2") usage("--version must be v1 or v2");
if (!opts.password) usage("--password is required");
const h3 = version === "v1" ? h3v1 : h3v2;

if (opts.now !== undefined) {
  const fixed = Number(opts.now);
  if (!Number.isFinite(fixed)) usage("--now must be a number");
  Date.now = () => fixed;
}

let password = opts.password;
if (password.startsWith("{")) {
  const map = JSON.parse(password);
  password = command === "seal" && opts["seal-id"] !== undefined
    ? { id: opts["seal-id"], secret: map[opts["seal-id"]] }
    : map;
}

const config = { password, name: "h3" };
if (opts["max-age"] !== undefined) config.maxAge = Number(opts["max-age"]);
if (opts["no-legacy-fallback"]) config.legacySealFallback = false;

// Fixed salts / IV reproduce the known-answer vectors (h3 spreads `config.seal` over its defaults).
if (opts["enc-salt"] || opts["mac-salt"] || opts["iv-b64"]) {
  const base = version === "v1" ? h3v1Defaults() : h3v2Defaults();
  const iv = opts["iv-b64"] ? new Uint8Array(Buffer.from(opts["iv-b64"], "base64url")) : undefined;
  config.seal = {
    encryption: { ...base.encryption, salt: opts["enc-salt"], iv },
    integrity: { ...base.integrity, salt: opts["mac-salt"] },
  };
}

function h3v1Defaults() {
  return {
    encryption: { saltBits: 256, algorithm: "aes-256-cbc", iterations: 1, minPasswordlength: 32 },
    integrity: { saltBits: 256, algorithm: "sha256", iterations: 1, minPasswordlength: 32 },
  };
}
function h3v2Defaults() {
  return {
    encryption: { saltBits: 256, algorithm: "aes-256-cbc", iterations: 8192, minPasswordlength: 32 },
    integrity: { saltBits: 256, algorithm: "sha256", iterations: 8192, minPasswordlength: 32 },
  };
}

const input = readFileSync(0, "utf8").replace(/\r?\n$/, "");

try {
  if (command === "seal") {
    const session = JSON.parse(input);
    // An event-like object whose context already holds the session, so h3 seals it as is.
    const event = { context: { sessions: { [config.name]: session } } };
    const sealed = await h3.sealSession(event, config);
    process.stdout.write(`${sealed}\n`);
  } else {
    const event = { context: {} };
    const unsealed = await h3.unsealSession(event, config, input);
    const legacy = Object.getOwnPropertySymbols(unsealed ?? {}).some(
      (s) => String(s.description).toLowerCase().includes("legacy") && unsealed[s] === true,
    );
    process.stdout.write(`${JSON.stringify({ json: JSON.stringify(unsealed), legacy })}\n`);
  }
} catch (error) {
  process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
