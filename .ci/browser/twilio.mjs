// A stand-in for Twilio's REST API for the browser tier: it takes every message the daemon sends
// (POST /2010-04-01/Accounts/{sid}/Messages.json) and answers as Twilio does, with a message sid.
import http from "node:http";
const port = Number(process.argv[2]);
let n = 0;
http.createServer((req, res) => {
  let body = "";
  req.on("data", (c) => (body += c));
  req.on("end", () => {
    res.setHeader("Content-Type", "application/json");
    if (req.method === "POST" && /\/Messages\.json$/.test(req.url)) {
      const p = new URLSearchParams(body);
      n++;
      res.statusCode = 201;
      res.end(JSON.stringify({ sid: "SM" + String(n).padStart(32, "0"), status: "queued", to: p.get("To") }));
      return;
    }
    res.statusCode = 200;
    res.end(JSON.stringify({ messages: [], next_page_uri: null }));
  });
}).listen(port, "127.0.0.1");
