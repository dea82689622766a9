// Deskmine dashboards: draws the charts the server described, sends a click
// on a chart to its drill-down page, sorts tables, exports them as CSV, and
// refreshes similar cases while an agent types. Everything it loads comes
// from this server.
(function () {
  'use strict';

  function drawCharts() {
    document.querySelectorAll('.chart[data-option]').forEach(function (el) {
      var chart = echarts.init(el, null, { renderer: 'canvas' });
      var option = JSON.parse(el.dataset.option);
      chart.setOption(option);
      var links = el.dataset.links ? JSON.parse(el.dataset.links) : {};
      if (Object.keys(links).length > 0) {
        el.classList.add('drillable');
        chart.on('click', function (p) {
          var url = links[p.seriesIndex + ':' + p.dataIndex];
          if (url) { window.location.href = url; }
        });
      }
      el.dataset.ready = '1';
      window.addEventListener('resize', function () { chart.resize(); });
    });
  }

  function cellValue(td) {
    var v = td.dataset.sort !== undefined ? td.dataset.sort : td.textContent.trim();
    var n = Number(v);
    return v !== '' && !isNaN(n) ? n : v.toLowerCase();
  }

  function sortable(table) {
    table.querySelectorAll('thead th').forEach(function (th, col) {
      th.tabIndex = 0;
      th.setAttribute('role', 'button');
      function sortBy() {
        var body = table.tBodies[0];
        var asc = th.getAttribute('aria-sort') !== 'ascending';
        table.querySelectorAll('thead th').forEach(function (o) { o.removeAttribute('aria-sort'); });
        th.setAttribute('aria-sort', asc ? 'ascending' : 'descending');
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = cellValue(a.cells[col]), y = cellValue(b.cells[col]);
          if (x === y) { return 0; }
          var less = (typeof x === typeof y) ? x < y : String(x) < String(y);
          return (less ? -1 : 1) * (asc ? 1 : -1);
        });
        rows.forEach(function (r) { body.appendChild(r); });
      }
      th.addEventListener('click', sortBy);
      th.addEventListener('keydown', function (e) { if (e.key === 'Enter') { sortBy(); } });
    });
  }

  function csvField(s) {
    return /[",\n\r]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
  }

  function exportCSV(table, name) {
    var lines = [];
    Array.prototype.forEach.call(table.rows, function (row) {
      var cells = Array.prototype.map.call(row.cells, function (c) {
        return csvField(c.dataset.csv !== undefined ? c.dataset.csv : c.textContent.trim());
      });
      lines.push(cells.join(','));
    });
    // The byte-order mark lets spreadsheet programs read Chinese text as UTF-8.
    var blob = new Blob(['\ufeff' + lines.join('\r\n') + '\r\n'], { type: 'text/csv;charset=utf-8' });
    var a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = name + '.csv';
    document.body.appendChild(a);
    a.click();
    setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 0);
  }

  function tables() {
    document.querySelectorAll('table.sortable').forEach(sortable);
    document.querySelectorAll('button[data-export]').forEach(function (b) {
      b.addEventListener('click', function () {
        var t = document.getElementById(b.dataset.export);
        if (t) { exportCSV(t, b.dataset.name || b.dataset.export); }
      });
    });
  }

  // Similar cases as the agent types: the server renders the panel.
  function similarAsYouType() {
    document.querySelectorAll('[data-similar-target]').forEach(function (input) {
      var target = document.getElementById(input.dataset.similarTarget);
      var timer = null, last = '';
      input.addEventListener('input', function () {
        clearTimeout(timer);
        timer = setTimeout(function () {
          var text = input.value.trim();
          if (text.length < 4 || text === last) { return; }
          last = text;
          var base = input.dataset.similarUrl;
          var url = base + (base.indexOf('?') >= 0 ? '&' : '?') + 'text=' + encodeURIComponent(text);
          fetch(url, { credentials: 'same-origin' }).then(function (r) {
            return r.ok ? r.text() : '';
          }).then(function (html) {
            if (html && input.value.trim() === text) { target.innerHTML = html; }
          });
        }, 350);
      });
    });
  }

  function confirmForms() {
    document.querySelectorAll('form[data-confirm]').forEach(function (f) {
      f.addEventListener('submit', function (e) {
        if (!window.confirm(f.dataset.confirm)) { e.preventDefault(); }
      });
    });
  }

  document.addEventListener('DOMContentLoaded', function () {
    drawCharts();
    tables();
    similarAsYouType();
    confirmForms();
  });
}());
