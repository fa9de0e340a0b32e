#!/usr/bin/env node
// h3's "handle session" example, served by the real h3 (v1 or v2 line), for the
// three-hop interop test: a cookie written here is read by the Rust counter and back.
//
// Usage: node counter.mjs --version v1|v2 --password P [--port N] [--max-age S]
//                         [--lifetime-ms MS]
//   GET /       counts visits in data.count and sets data.fromNode once (a key only h3 knows);
//               body "Hello world! You have visited this page N times."
//   GET /data   JSON.stringify({id, createdAt, data}) of the session, without writing it
//   GET /clear  clears the session
//   GET /big?n=N  stores N characters ("x" repeated) in data.big: a session too large for
//               one cookie, which h3 v2 writes as chunked cookies h3, h3.1 ... h3.N
//   GET /small  removes data.big again (h3 v2 removes the chunks no longer used)
// Prints "listening <port>" on stdout once the server accepts connections (port 0 picks
// a free one), and exits by itself after --lifetime-ms (default 60000).

import http from "node:http";
import * as h3v1 from "h3";
import * as h3v2 from "h3-v2";
import { parseOptions, usage } from "./options.mjs";

const opts = parseOptions(process.argv.slice(2));
const version = opts.version;
const port = Number(opts.port ?? 0);
const lifetime = Number(opts["lifetime-ms"] ?? 60000);
if (!Number.isInteger(port) || !Number.isFinite(lifetime)) usage("bad --port or --lifetime-ms");

const config = { password: opts.password, name: "h3" };
if (opts["max-age"] !== undefined) config.maxAge = Number(opts["max-age"]);

const h3 = version === "v1" ? h3v1 : h3v2;

async function index(event) {
  const session = await h3.useSession(event, config);
  const count = (session.data.count || 0) + 1;
  await session.update({ count, fromNode: session.data.fromNode ?? "set-by-h3" });
  return `Hello world! You have visited this page ${count} times.`;
}

async function data(event) {
  const session = await h3.getSession(event, config);
  return JSON.stringify({ id: session.id, createdAt: session.createdAt, data: session.data });
}

async function clear(event) {
  const session = await h3.useSession(event, config);
  await session.clear();
  return "Session cleared";
}

/** The value of query parameter `key` (h3 v1 has `event.path`, v2 `event.url`). */
function query(event, key) {
  const url = event.url instanceof URL ? event.url : new URL(event.path, "http://localhost");
  return url.searchParams.get(key);
}

async function big(event) {
  const n = Number(query(event, "n") ?? "0");
  if (!Number.isInteger(n) || n < 0 || n > 1000000) return "bad n";
  const session = await h3.useSession(event, config);
  await session.update({ big: "x".repeat(n) });
  return `big ${n}`;
}

async function small(event) {
  const session = await h3.useSession(event, config);
  await session.update({ big: undefined });
  return "small";
}

let listener;
if (version === "v1") {
  const app = h3v1.createApp();
  const router = h3v1.createRouter();
  router.get("/", h3v1.defineEventHandler(index));
  router.get("/data", h3v1.defineEventHandler(data));
  router.get("/clear", h3v1.defineEventHandler(clear));
  router.get("/big", h3v1.defineEventHandler(big));
  router.get("/small", h3v1.defineEventHandler(small));
  app.use(router);
  listener = h3v1.toNodeListener(app);
} else {
  const app = new h3v2.H3();
  app.get("/", index);
  app.get("/data", data);
  app.get("/clear", clear);
  app.get("/big", big);
  app.get("/small", small);
  listener = h3v2.toNodeHandler(app);
}

const server = http.createServer(listener);
server.listen(port, "127.0.0.1", () => {
  process.stdout.write(`listening ${server.address().port}\n`);
});
// Bounded: never outlive the test that started it.
setTimeout(() => process.exit(0), lifetime).unref();
process.stdin.on("end", () => process.exit(0));
process.stdin.resume();
