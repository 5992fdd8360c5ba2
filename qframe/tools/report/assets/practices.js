(function () {
  // The practice table (search, sort, show more), the practice card and the roll-up levels.
  var source = document.getElementById("practice-data");
  if (source) { practices(JSON.parse(source.textContent)); }
  rollups();

  function escape(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return {"&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&#39;"}[c];
    });
  }
  function pounds(value, pence, signed) {
    if (value === null || value === undefined) { return "\u2013"; }
    var text = "\u00a3" + Math.abs(value).toLocaleString("en-GB", {
      minimumFractionDigits: pence ? 2 : 0, maximumFractionDigits: pence ? 2 : 0});
    if (value < 0 && text !== "\u00a30" && text !== "\u00a30.00") { return "\u2212" + text; }
    return (signed && value > 0 ? "+" : "") + text;
  }
  function percent(ratio) {
    if (ratio === null || ratio === undefined || !isFinite(ratio)) { return ""; }
    var change = (ratio - 1) * 100;
    return (change > 0 ? "+" : change < 0 ? "\u2212" : "") + Math.abs(change).toFixed(0) + "%";
  }

  function practices(data) {
    var fws = data.frameworks, rows = data.practices;
    var others = [];
    fws.forEach(function (fw, i) { if (!fw.baseline) { others.push(i); } });
    var columns = [
      {title: "Practice", text: true, key: function (p) { return p.name + " " + p.id; },
       cell: function (p) {
         return "<button type=\"button\" class=\"open\" data-id=\"" + escape(p.id) + "\">" +
           escape(p.name || p.id) + "</button> <span class=\"code\">" + escape(p.id) + "</span>"; }},
      {title: "CCG", text: true, key: function (p) { return p.ccg; }, cell: function (p) { return escape(p.ccg); }},
      {title: "Cluster", text: true, key: function (p) { return p.cluster; }, cell: function (p) { return escape(p.cluster); }},
      {title: "List size", key: function (p) { return p.list; },
       cell: function (p) { return p.list === null ? "\u2013" : p.list.toLocaleString("en-GB"); }}
    ];
    fws.forEach(function (fw, i) {
      columns.push({title: "\u00a3 " + fw.name, key: function (p) { return p.f[i][0]; },
        cell: function (p) { return pounds(p.f[i][0], false); }});
    });
    others.forEach(function (i) {
      columns.push({title: "Difference: " + fws[i].name, key: function (p) { return p.f[i][2]; },
        cell: function (p) {
          var r = p.f[i][3], cls = "";
          if (r !== null && r > 1 + data.threshold) { cls = "gain"; }
          if (r !== null && r < 1 - data.threshold) { cls = "loss"; }
          return "<span class=\"" + cls + "\">" + pounds(p.f[i][2], false, true) + " " + percent(r) + "</span>"; }});
    });
    columns.push({title: "Flagged by", text: true,
      key: function (p) { return flags(p).length; },
      cell: function (p) { return escape(flags(p).join("; ")); }});
    function flags(p) {
      var out = [];
      fws.forEach(function (fw, i) { if (p.f[i][4]) { out.push(fw.name + ": " + p.f[i][4]); } });
      return out;
    }

    var table = document.getElementById("practice-table");
    var search = document.getElementById("practice-search");
    var count = document.getElementById("practice-count");
    var more = document.getElementById("practice-more");
    var sortColumn = others.length ? 4 + fws.length : 0, ascending = true, showAll = false;
    table.tHead.innerHTML = "<tr>" + columns.map(function (c, i) {
      return "<th class=\"" + (c.text ? "text " : "") + "sortable\" data-column=\"" + i +
        "\" aria-sort=\"none\"><button type=\"button\">" + escape(c.title) + "</button></th>";
    }).join("") + "</tr>";
    table.tHead.addEventListener("click", function (event) {
      var th = event.target.closest("th");
      if (!th) { return; }
      var i = parseInt(th.getAttribute("data-column"), 10);
      ascending = i === sortColumn ? !ascending : true;
      sortColumn = i;
      draw();
    });
    search.addEventListener("input", function () { showAll = false; draw(); });
    more.addEventListener("click", function () { showAll = true; draw(); });
    table.tBodies[0].addEventListener("click", function (event) {
      var button = event.target.closest("button.open");
      if (button) { card(button.getAttribute("data-id")); }
    });

    function matching() {
      var words = search.value.toLowerCase().split(/\s+/).filter(Boolean);
      if (!words.length) { return rows.slice(); }
      return rows.filter(function (p) {
        var text = [p.id, p.name, p.ccg, p.locality, p.cluster, p.region].join(" ").toLowerCase();
        return words.every(function (w) { return text.indexOf(w) >= 0; });
      });
    }
    function draw() {
      var found = matching(), column = columns[sortColumn];
      found.sort(function (a, b) {
        var x = column.key(a), y = column.key(b);
        if (x === null || x === undefined) { return 1; }
        if (y === null || y === undefined) { return -1; }
        var order = column.text ? String(x).localeCompare(String(y), "en-GB", {numeric: true}) : x - y;
        if (order === 0) { order = a.id < b.id ? -1 : a.id > b.id ? 1 : 0; return order; }
        return ascending ? order : -order;
      });
      var shown = showAll ? found : found.slice(0, data.shown);
      table.tBodies[0].innerHTML = shown.map(function (p) {
        return "<tr data-id=\"" + escape(p.id) + "\">" + columns.map(function (c) {
          return "<td" + (c.text ? " class=\"text\"" : "") + ">" + c.cell(p) + "</td>";
        }).join("") + "</tr>";
      }).join("");
      Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, i) {
        th.setAttribute("aria-sort", i === sortColumn ? (ascending ? "ascending" : "descending") : "none");
      });
      count.textContent = "showing " + shown.length + " of " + found.length + " matching practices (" +
        rows.length + " in all)";
      more.hidden = shown.length === found.length;
      if (found.length === 1) { card(found[0].id); }
    }

    function card(id) {
      var p = rows.filter(function (r) { return r.id === id; })[0];
      var box = document.getElementById("practice-card");
      if (!p) { box.hidden = true; return; }
      var lines = fws.map(function (fw, i) {
        var e = p.f[i];
        var parts = e[6].map(function (c) {
          return "<li>" + escape(data.components[c[0]]) + ": " + pounds(c[1], false) +
            (c[2] === null ? "" : " <span class=\"muted\">(typical for its size " + pounds(c[2], false) + ")</span>") + "</li>";
        }).join("");
        var vs = fw.baseline ? "baseline" : pounds(e[2], false, true) + " " + percent(e[3]) + " against the baseline";
        var level = fw.escalates ? (e[4] ? "escalated: " + escape(e[4]) + (e[5] ? " (" + escape(e[5]) + ")" : "") : "not escalated") : "no escalation rules";
        return "<div class=\"card-framework\"><h4>" + escape(fw.name) + "</h4><p><strong>" +
          pounds(e[0], true) + "</strong> \u00b7 " + pounds(e[1], true) + " per patient \u00b7 " + vs +
          "</p><p>" + level + "</p>" + (parts ? "<ul>" + parts + "</ul>" : "") +
          (e[7] ? "<p class=\"why\">Why: " + escape(e[7]) + ".</p>" : "") + "</div>";
      }).join("");
      box.innerHTML = "<button type=\"button\" class=\"close\" aria-label=\"Close the card\">\u00d7</button>" +
        "<h3>" + escape(p.name || p.id) + " <span class=\"code\">" + escape(p.id) + "</span></h3>" +
        "<p class=\"muted\">" + escape([p.region, "CCG " + p.ccg, "locality " + p.locality, "cluster " + p.cluster]
          .filter(function (x) { return x && !/ $/.test(x); }).join(" \u00b7 ")) +
        " \u00b7 list size " + (p.list === null ? "\u2013" : p.list.toLocaleString("en-GB")) +
        " \u00b7 deprivation quintile " + escape(p.quintile) + " (" + escape(data.quintiles) + ")</p>" +
        "<div class=\"card-grid\">" + lines + "</div>";
      box.hidden = false;
      box.setAttribute("data-id", p.id);
      box.querySelector("button.close").addEventListener("click", function () { box.hidden = true; });
    }
    draw();
  }

  function rollups() {
    var group = document.querySelector("#rollups .levels");
    if (!group) { return; }
    group.addEventListener("click", function (event) {
      var button = event.target.closest("button");
      if (!button) { return; }
      var level = button.getAttribute("data-level");
      Array.prototype.forEach.call(group.querySelectorAll("button"), function (b) {
        b.setAttribute("aria-pressed", b === button ? "true" : "false");
      });
      Array.prototype.forEach.call(document.querySelectorAll("#rollups .rollup"), function (block) {
        block.hidden = block.getAttribute("data-level") !== level;
      });
    });
  }
})();
