// Dashboard: the self-contained HTML page served at `GET /`: markup and style; the script is beside it.

/// The admin dashboard: one page with inline CSS and JavaScript and no external assets, so it works
/// offline and behind strict firewalls. It polls `/stats` and draws clusters, servers, pools and
/// traffic; rates are computed in the browser from the difference between two polls.
///
/// Every piece of data reaches the page through `textContent` or SVG attributes set from numbers,
/// never through `innerHTML`, so a cluster or user name cannot inject markup.
package enum Dashboard {
    /// The page.
    ///
    /// - Parameter refreshMs: how often the page polls `/stats` (at least 250 ms).
    package static func html(refreshMs: Int = 2000) -> String {
        """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>Switchyard</title>
        <style>
        \(Self.style)
        </style>
        </head>
        <body>
        \(Self.body)
        <script>
        \(Self.script(refreshMs: max(250, refreshMs)))
        </script>
        </body>
        </html>

        """
    }

    private static let body = """
        <header class="top">
          <div class="brand"><span class="logo" aria-hidden="true"></span><h1>Switchyard</h1>
            <span id="version" class="muted"></span></div>
          <div class="top-right"><span id="health" class="pill">connecting…</span>
            <span id="updated" class="muted small"></span></div>
        </header>
        <div id="lost" class="lost" role="alert" hidden></div>
        <noscript><p class="lost">This dashboard needs JavaScript. The same data is at <code>/stats</code>.</p></noscript>
        <main id="content">
          <section class="tiles" id="tiles"></section>
          <section class="traffic card" id="traffic"></section>
          <section class="clusters" id="clusters"></section>
          <section class="card" id="routing"></section>
        </main>
        <footer class="muted small" id="footer"></footer>
        """

    private static let style = """
        :root {
          --bg: #f5f6f8; --card: #ffffff; --text: #1d2330; --muted: #6b7280; --line: #e3e6eb;
          --up: #1f9d55; --down: #d64545; --fenced: #c27c0e; --read: #2f6fdb; --write: #d9822b;
          --error: #d64545; --idle: #b8c4d9; --accent: #3b4a6b;
        }
        @media (prefers-color-scheme: dark) {
          :root {
            --bg: #14171c; --card: #1c2027; --text: #e6e8eb; --muted: #9aa3b0; --line: #2c323c;
            --idle: #4a5568; --accent: #9fb3d9;
          }
        }
        * { box-sizing: border-box; }
        body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
               background: var(--bg); color: var(--text); }
        code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 13px; }
        .muted { color: var(--muted); } .small { font-size: 12px; }
        .top { display: flex; justify-content: space-between; align-items: center; padding: 14px 24px;
               background: var(--card); border-bottom: 1px solid var(--line); }
        .brand { display: flex; align-items: baseline; gap: 10px; }
        .brand h1 { font-size: 18px; margin: 0; letter-spacing: .2px; }
        .logo { width: 12px; height: 12px; border-radius: 3px; background: var(--accent); display: inline-block; }
        .top-right { display: flex; align-items: center; gap: 12px; }
        .pill { padding: 3px 10px; border-radius: 999px; font-size: 12px; font-weight: 600;
                background: var(--line); color: var(--text); }
        .pill.ok { background: rgba(31,157,85,.15); color: var(--up); }
        .pill.bad { background: rgba(214,69,69,.15); color: var(--down); }
        .pill.warn { background: rgba(194,124,14,.15); color: var(--fenced); }
        .lost { margin: 12px 24px 0; padding: 10px 14px; border-radius: 8px; background: rgba(214,69,69,.12);
                color: var(--down); font-weight: 600; }
        main { padding: 16px 24px; display: grid; gap: 16px; transition: opacity .3s; }
        body.stale main { opacity: .45; filter: grayscale(.6); }
        .tiles { display: grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); gap: 12px; }
        .tile, .card { background: var(--card); border: 1px solid var(--line); border-radius: 10px; }
        .tile { padding: 12px 14px; }
        .tile .label { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .5px; }
        .tile .value { font-size: 24px; font-weight: 600; font-variant-numeric: tabular-nums; }
        .tile .sub { color: var(--muted); font-size: 12px; }
        .card { padding: 14px 16px; }
        .card h2 { font-size: 15px; margin: 0; }
        .card h3 { font-size: 12px; margin: 14px 0 6px; color: var(--muted); text-transform: uppercase;
                   letter-spacing: .5px; font-weight: 600; }
        .card-head { display: flex; justify-content: space-between; align-items: center; gap: 10px; flex-wrap: wrap; }
        .clusters { display: grid; grid-template-columns: repeat(auto-fill, minmax(460px, 1fr)); gap: 16px; }
        .rates { display: flex; gap: 18px; flex-wrap: wrap; align-items: center; margin-top: 8px; }
        .rate { font-variant-numeric: tabular-nums; }
        .rate b { font-size: 18px; }
        .dot { display: inline-block; width: 9px; height: 9px; border-radius: 50%; margin-right: 6px; }
        .dot.read { background: var(--read); } .dot.write { background: var(--write); }
        .dot.error { background: var(--error); }
        svg.spark { width: 100%; height: 56px; display: block; margin-top: 8px; }
        svg.spark polyline { fill: none; stroke-width: 1.6; vector-effect: non-scaling-stroke; }
        table { width: 100%; border-collapse: collapse; font-variant-numeric: tabular-nums; }
        th { text-align: left; font-weight: 600; color: var(--muted); font-size: 12px; padding: 4px 6px;
             border-bottom: 1px solid var(--line); }
        td { padding: 6px; border-bottom: 1px solid var(--line); }
        tr:last-child td { border-bottom: none; }
        td.num, th.num { text-align: right; }
        .badge { display: inline-block; padding: 1px 8px; border-radius: 6px; font-size: 11px; font-weight: 700;
                 text-transform: uppercase; letter-spacing: .4px; border: 1px solid var(--accent); color: var(--accent); }
        .badge.primary { background: var(--accent); color: var(--card); }
        .badge.paused { border-color: var(--fenced); color: var(--fenced); }
        .state { font-weight: 600; }
        .state.up { color: var(--up); } .state.down { color: var(--down); } .state.fenced { color: var(--fenced); }
        tr.down td { background: rgba(214,69,69,.07); } tr.fenced td { background: rgba(194,124,14,.08); }
        .pool { display: grid; grid-template-columns: minmax(120px, 1.2fr) 2fr auto; gap: 10px; align-items: center;
                padding: 4px 0; }
        .bar { height: 10px; border-radius: 5px; background: var(--line); overflow: hidden; display: flex; }
        .bar .active { background: var(--accent); } .bar .idle { background: var(--idle); }
        .waiting { color: var(--fenced); font-weight: 600; }
        .empty { color: var(--muted); font-style: italic; }
        footer { padding: 4px 24px 20px; }
        """
}
