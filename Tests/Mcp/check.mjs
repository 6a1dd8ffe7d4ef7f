// Drives an MCP server with the official TypeScript SDK's client and prints what it saw as JSON on stdout.
// Usage: node check.mjs plan.json, where the plan is
//   { "transport": "http", "url": "...", "headers": {...} }  or  { "transport": "stdio", "command": "...", "args": [...], "env": {...} }
//   plus "calls": [{ "tool": "...", "arguments": {...} }] and "reads": ["gorelay://..."].
// The SDK checks each tool's structured result against the tool's output schema, so a result off its schema fails here.
import { readFileSync } from "node:fs";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";

const plan = JSON.parse(readFileSync(process.argv[2], "utf8"));
const transport = plan.transport === "stdio"
  ? new StdioClientTransport({ command: plan.command, args: plan.args ?? [], env: { ...process.env, ...(plan.env ?? {}) }, stderr: "inherit" })
  : new StreamableHTTPClientTransport(new URL(plan.url), { requestInit: { headers: plan.headers ?? {} } });
const client = new Client({ name: "gorelay-ci-check", version: "1.0.0" });
const report = { transport: plan.transport, server: null, tools: [], resources: [], templates: [], calls: [], reads: [] };
try {
  await client.connect(transport);
  report.server = client.getServerVersion();
  report.tools = (await client.listTools()).tools.map(t => ({ name: t.name, description: t.description, inputSchema: t.inputSchema, outputSchema: t.outputSchema ?? null }));
  report.resources = (await client.listResources()).resources.map(r => ({ uri: r.uri, name: r.name, mimeType: r.mimeType ?? null }));
  report.templates = (await client.listResourceTemplates()).resourceTemplates.map(r => ({ uriTemplate: r.uriTemplate, name: r.name, mimeType: r.mimeType ?? null }));
  for (const call of plan.calls ?? []) {
    const started = performance.now();
    try {
      const result = await client.callTool({ name: call.tool, arguments: call.arguments ?? {} });
      report.calls.push({
        tool: call.tool,
        isError: result.isError === true,
        structuredContent: result.structuredContent ?? null,
        text: (result.content ?? []).filter(c => c.type === "text").map(c => c.text).join("\n"),
        milliseconds: performance.now() - started,
      });
    } catch (e) {
      report.calls.push({ tool: call.tool, isError: true, thrown: true, text: String(e?.message ?? e), milliseconds: performance.now() - started });
    }
  }
  for (const uri of plan.reads ?? []) {
    try {
      const read = await client.readResource({ uri });
      report.reads.push({ uri, contents: read.contents.map(c => ({ uri: c.uri, mimeType: c.mimeType ?? null, text: c.text ?? null })) });
    } catch (e) {
      report.reads.push({ uri, error: String(e?.message ?? e) });
    }
  }
} catch (e) {
  report.error = String(e?.stack ?? e);
} finally {
  await client.close().catch(() => {});
}
process.stdout.write(JSON.stringify(report));
process.exitCode = report.error ? 1 : 0;
