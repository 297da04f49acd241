// Dashboard+Script: the dashboard's JavaScript: polls /stats, keeps rate history, draws the page.

extension Dashboard {
    /// The page script. Data goes into the DOM only as text nodes (`el` below) and as numeric SVG
    /// attributes. `stats` is fetched relative to the page, so the dashboard also works behind a
    /// reverse proxy that serves it under a sub-path.
    static func script(refreshMs: Int) -> String {
        #"""
        "use strict";
        const REFRESH_MS = \#(refreshMs);
        const STATS_URL = "stats";
        const HISTORY_POINTS = 90;
        const SVG_NS = "http://www.w3.org/2000/svg";

        let previous = null;          // { at: ms, stats }
        let lastGood = null;          // Date of the last successful poll
        const history = new Map();    // key -> [{ r, w, e }]

        function el(tag, className, ...children) {
          const node = document.createElement(tag);
          if (className) node.className = className;
          for (const child of children) {
            if (child === null || child === undefined || child === false) continue;
            node.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
          }
          return node;
        }

        function fmtRate(value) {
          if (value === null || !isFinite(value)) return "–";
          if (value === 0) return "0";
          if (value < 10) return value.toFixed(1);
          return Math.round(value).toLocaleString();
        }
        function fmtInt(value) { return Number(value || 0).toLocaleString(); }
        function fmtBytes(value) {
          if (value === null || value === undefined) return "–";
          const units = ["B", "KiB", "MiB", "GiB", "TiB"];
          let v = value, i = 0;
          while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
          return (i === 0 ? String(v) : v.toFixed(v < 10 ? 1 : 0)) + " " + units[i];
        }
        function fmtDuration(seconds) {
          const d = Math.floor(seconds / 86400), h = Math.floor(seconds % 86400 / 3600);
          const m = Math.floor(seconds % 3600 / 60), s = Math.floor(seconds % 60);
          if (d > 0) return d + "d " + h + "h";
          if (h > 0) return h + "h " + m + "m";
          if (m > 0) return m + "m " + s + "s";
          return s + "s";
        }
        function fmtMs(seconds) {
          if (seconds === null || !isFinite(seconds)) return "–";
          const ms = seconds * 1000;
          return (ms < 10 ? ms.toFixed(2) : ms < 100 ? ms.toFixed(1) : Math.round(ms)) + " ms";
        }

        // Counters of a cluster (or of everything when cluster is null), for rates.
        function counters(stats, cluster) {
          const sum = { reads: 0, writes: 0, errors: 0, count: 0, seconds: 0 };
          if (cluster === null) {
            sum.reads = stats.totals.reads; sum.writes = stats.totals.writes; sum.errors = stats.totals.errors;
            sum.count = stats.query_duration.count; sum.seconds = stats.query_duration.sum;
            return sum;
          }
          for (const s of cluster.servers) { sum.reads += s.reads; sum.writes += s.writes; sum.errors += s.errors; }
          sum.count = cluster.query_duration.count; sum.seconds = cluster.query_duration.sum;
          return sum;
        }

        // Per-second rates between two polls; null when unknown or when counters went back (restart).
        function rates(now, before, dt) {
          const rate = (a, b) => (b === undefined || a < b || dt <= 0) ? null : (a - b) / dt;
          if (!before) return { r: null, w: null, e: null, latency: null };
          const dc = now.count - before.count;
          return {
            r: rate(now.reads, before.reads), w: rate(now.writes, before.writes), e: rate(now.errors, before.errors),
            latency: dc > 0 ? (now.seconds - before.seconds) / dc : null,
          };
        }

        function remember(key, point) {
          let list = history.get(key);
          if (!list) { list = []; history.set(key, list); }
          list.push(point);
          while (list.length > HISTORY_POINTS) list.shift();
          return list;
        }

        function sparkline(points) {
          const svg = document.createElementNS(SVG_NS, "svg");
          svg.setAttribute("class", "spark");
          svg.setAttribute("viewBox", "0 0 " + (HISTORY_POINTS - 1) + " 100");
          svg.setAttribute("preserveAspectRatio", "none");
          svg.setAttribute("role", "img");
          svg.setAttribute("aria-label", "reads, writes and errors per second, last " + HISTORY_POINTS + " polls");
          let max = 1;
          for (const p of points) max = Math.max(max, p.r || 0, p.w || 0, p.e || 0);
          const offset = HISTORY_POINTS - points.length;
          for (const [key, colour] of [["r", "var(--read)"], ["w", "var(--write)"], ["e", "var(--error)"]]) {
            const coords = [];
            points.forEach((p, i) => {
              const v = p[key] === null ? 0 : p[key];
              coords.push((offset + i) + "," + (98 - v / max * 94).toFixed(2));
            });
            if (coords.length < 2) continue;
            const line = document.createElementNS(SVG_NS, "polyline");
            line.setAttribute("points", coords.join(" "));
            line.setAttribute("style", "stroke:" + colour);
            svg.appendChild(line);
          }
          return el("div", null, svg, el("div", "muted small", "scale 0–" + fmtRate(max) + " per second"));
        }

        function rateRow(rate) {
          return el("div", "rates",
            el("span", "rate", el("span", "dot read"), el("b", null, fmtRate(rate.r)), " reads/s"),
            el("span", "rate", el("span", "dot write"), el("b", null, fmtRate(rate.w)), " writes/s"),
            el("span", "rate", el("span", "dot error"), el("b", null, fmtRate(rate.e)), " errors/s"),
            el("span", "rate muted", "avg ", el("b", null, fmtMs(rate.latency))));
        }

        function tile(label, value, sub) {
          return el("div", "tile", el("div", "label", label), el("div", "value", value), sub ? el("div", "sub", sub) : null);
        }

        function serverTable(cluster) {
          const head = el("tr", null, el("th", null, "server"), el("th", null, "role"), el("th", null, "state"),
            el("th", "num", "lag"), el("th", "num", "active"), el("th", "num", "idle"), el("th", "num", "queries"),
            el("th", "num", "errors"));
          const rows = cluster.servers.map((s) => {
            const address = s.host.includes(":") ? "[" + s.host + "]:" + s.port : s.host + ":" + s.port;
            return el("tr", s.state,
              el("td", "mono", address),
              el("td", null, el("span", "badge " + (s.role === "primary" ? "primary" : "replica"), s.role)),
              el("td", "state " + s.state, s.state),
              el("td", "num", s.role === "primary" ? "–" : fmtBytes(s.lag_bytes)),
              el("td", "num", fmtInt(s.connections.active)), el("td", "num", fmtInt(s.connections.idle)),
              el("td", "num", fmtInt(s.queries)), el("td", "num", fmtInt(s.errors)));
          });
          return el("table", null, el("thead", null, head), el("tbody", null, ...rows));
        }

        function poolList(pools) {
          if (pools.length === 0) return el("div", "empty", "no pools open yet");
          return el("div", null, ...pools.map((p) => {
            const max = Math.max(p.max_size, p.active + p.idle, 1);
            const bar = el("div", "bar");
            const active = el("div", "active"); active.style.width = (p.active / max * 100) + "%";
            const idle = el("div", "idle"); idle.style.width = (p.idle / max * 100) + "%";
            bar.append(active, idle);
            return el("div", "pool",
              el("div", "mono small", p.user + "@" + p.database + " → " + p.server),
              bar,
              el("div", "small", p.active + " active · " + p.idle + " idle / " + p.max_size,
                p.waiting > 0 ? el("span", "waiting", " · " + p.waiting + " waiting") : null));
          }));
        }

        function clusterCard(stats, cluster, rate, points) {
          const pools = stats.pools.filter((p) => p.cluster === cluster.name);
          const up = cluster.servers.filter((s) => s.state === "up").length;
          return el("article", "card",
            el("div", "card-head",
              el("h2", null, cluster.name),
              el("div", null,
                cluster.paused ? el("span", "badge paused", "paused") : null, " ",
                el("span", "pill " + (up === cluster.servers.length ? "ok" : up === 0 ? "bad" : "warn"),
                  up + "/" + cluster.servers.length + " up"))),
            el("div", "muted small", "primary ", el("span", "mono", cluster.primary === null ? "none" : cluster.primary)),
            rateRow(rate), sparkline(points),
            el("h3", null, "Servers"), serverTable(cluster),
            el("h3", null, "Pools"), poolList(pools));
        }

        function render(stats, at) {
          const dt = previous ? (at - previous.at) / 1000 : 0;
          const totalNow = counters(stats, null);
          const totalRate = rates(totalNow, previous ? counters(previous.stats, null) : null, dt);
          const totalPoints = remember("*", totalRate);

          document.getElementById("version").textContent = "v" + stats.version + " · up " + fmtDuration(stats.uptime_s);
          const servers = stats.clusters.flatMap((c) => c.servers);
          const down = servers.filter((s) => s.state !== "up").length;
          const health = document.getElementById("health");
          health.textContent = down === 0 ? "all " + servers.length + " servers up" : down + " of " + servers.length + " servers not up";
          health.className = "pill " + (down === 0 ? "ok" : "bad");
          document.title = (down > 0 ? "⚠ " : "") + "Switchyard";

          document.getElementById("tiles").replaceChildren(
            tile("Clients", fmtInt(stats.clients.connected),
              fmtInt(stats.clients.waiting) + " waiting · " + fmtInt(stats.clients.pinned) + " pinned"),
            tile("Reads/s", fmtRate(totalRate.r), fmtInt(stats.totals.reads) + " total"),
            tile("Writes/s", fmtRate(totalRate.w), fmtInt(stats.totals.writes) + " total"),
            tile("Errors/s", fmtRate(totalRate.e),
              fmtInt(stats.totals.errors) + " total · " + fmtInt(stats.totals.routing_errors) + " routing"),
            tile("Avg latency", fmtMs(totalRate.latency), fmtInt(stats.query_duration.count) + " statements"),
            tile("Reloads", fmtInt(stats.config.reloads),
              fmtInt(stats.config.reload_failures) + " failed · loaded " +
              new Date(stats.config.loaded_at * 1000).toLocaleTimeString()));

          document.getElementById("traffic").replaceChildren(
            el("div", "card-head", el("h2", null, "Traffic, all clusters"),
              el("span", "muted small", "last " + Math.round(HISTORY_POINTS * REFRESH_MS / 1000) + " s")),
            rateRow(totalRate), sparkline(totalPoints));

          const cards = stats.clusters.map((cluster) => {
            const before = previous ? previous.stats.clusters.find((c) => c.name === cluster.name) : null;
            const rate = rates(counters(stats, cluster), before ? counters(previous.stats, before) : null, dt);
            return clusterCard(stats, cluster, rate, remember("cluster:" + cluster.name, rate));
          });
          document.getElementById("clusters").replaceChildren(
            ...(cards.length > 0 ? cards : [el("div", "card empty", "no clusters configured")]));

          const reasons = Object.entries(stats.reads_on_primary);
          document.getElementById("routing").replaceChildren(
            el("h2", null, "Reads sent to a primary"),
            reasons.length === 0 ? el("div", "empty", "none so far") :
              el("table", null, el("tbody", null, ...reasons.map(([reason, count]) =>
                el("tr", null, el("td", null, reason.replace(/_/g, " ")), el("td", "num", fmtInt(count)))))));

          document.getElementById("footer").textContent =
            "config " + stats.config.path + " · refreshing every " + (REFRESH_MS / 1000) + " s · JSON at /stats, Prometheus at /metrics";
          previous = { at, stats };
        }

        function showLost(reason) {
          document.body.classList.add("stale");
          const lost = document.getElementById("lost");
          lost.hidden = false;
          lost.textContent = "Connection lost (" + reason + "). " +
            (lastGood ? "Showing data from " + lastGood.toLocaleTimeString() + ". " : "") + "Retrying…";
          const health = document.getElementById("health");
          health.textContent = "connection lost";
          health.className = "pill bad";
          previous = null;  // rates restart from the next good poll
        }

        async function poll() {
          try {
            const response = await fetch(STATS_URL, { cache: "no-store" });
            if (!response.ok) throw new Error("HTTP " + response.status);
            const stats = await response.json();
            render(stats, performance.now());
            lastGood = new Date();
            document.body.classList.remove("stale");
            document.getElementById("lost").hidden = true;
            document.getElementById("updated").textContent = "updated " + lastGood.toLocaleTimeString();
          } catch (error) {
            showLost(error && error.message ? error.message : "no answer");
          } finally {
            setTimeout(poll, REFRESH_MS);
          }
        }
        poll();
        """#
    }
}
