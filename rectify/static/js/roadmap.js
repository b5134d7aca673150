// The roadmap page (时间表路线图): one Gantt-like ECharts chart per program, drawn from the JSON
// the page carries (<script id="roadmap-data" type="application/json">, built by
// reports/roadmap.py, the same data as GET /api/v1/campaigns/{slug}/roadmap). Rows are the
// program's measures: a bar from the decision date to the deadline, filled to the measure's
// progress; ◆ milestones; the program's phases as shaded bands; today's line. Late items are red.
// The Content-Security-Policy allows no inline style: tooltips are drawn on the canvas
// (renderMode "richText"), and sizes are set through the DOM's style object.

(function () {
  const RED = "#dc3545";
  const COLORS = { green: "#198754", yellow: "#e0a800", red: RED, "": "#6c757d" };
  const PHASE_FILLS = ["rgba(13,110,253,0.07)", "rgba(111,66,193,0.07)"];
  const ROW_HEIGHT = 28;
  const DAY = 24 * 3600 * 1000;

  function parse(id) {
    const node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  function time(iso) {
    const [y, m, d] = iso.split("-").map(Number);
    return new Date(y, m - 1, d).getTime();
  }

  function short(text, size) {
    const flat = text.replace(/\s+/g, " ");
    return flat.length > size ? flat.slice(0, size - 1) + "…" : flat;
  }

  function chartOf(node, program, today, labels) {
    const rows = program.measures;
    const rowOf = new Map(rows.map((m, i) => [m.id, i]));
    const days = [today];
    for (const m of rows) days.push(m.starts_on, m.ends_on);
    for (const p of program.phases) days.push(p.starts_on, p.ends_on);
    for (const s of program.milestones) days.push(s.due_on);
    if (program.starts_on) days.push(program.starts_on);
    if (program.ends_on) days.push(program.ends_on);
    const times = days.map(time);
    const min = Math.min(...times) - 7 * DAY;
    const max = Math.max(...times) + 7 * DAY;

    node.style.height = Math.max(180, rows.length * ROW_HEIGHT + 90) + "px";
    const chart = echarts.init(node, null, { renderer: "canvas" });

    const bars = rows.map((m, i) => ({
      value: [i, time(m.starts_on), time(m.ends_on) + DAY, m.progress],
      measure: m,
      itemStyle: { color: m.late ? RED : COLORS[m.light] || COLORS[""] },
    }));
    const steps = program.milestones.map((s) => ({
      value: [time(s.due_on), rowOf.get(s.measure_id)],
      step: s,
      itemStyle: { color: s.late ? RED : s.done_on ? COLORS.green : "#0d6efd" },
    }));

    function renderBar(params, api) {
      const row = api.value(0);
      const start = api.coord([api.value(1), row]);
      const end = api.coord([api.value(2), row]);
      const height = api.size([0, 1])[1] * 0.55;
      const width = Math.max(end[0] - start[0], 2);
      const color = api.visual("color");
      const y = start[1] - height / 2;
      const done = (width * api.value(3)) / 100;
      return {
        type: "group",
        children: [
          {
            type: "rect",
            shape: { x: start[0], y: y, width: width, height: height, r: 3 },
            style: { fill: color, opacity: 0.25 },
          },
          {
            type: "rect",
            shape: { x: start[0], y: y, width: done, height: height, r: 3 },
            style: { fill: color, opacity: 0.9 },
          },
        ],
      };
    }

    chart.setOption({
      animation: false,
      grid: { left: 12, right: 24, top: 40, bottom: 28, containLabel: true },
      tooltip: {
        renderMode: "richText",
        confine: true,
        formatter(params) {
          const d = params.data;
          if (d.measure) {
            const m = d.measure;
            return [
              `${m.problem_number} · ${short(m.content, 40)}`,
              `${m.responsible_unit}`,
              `${m.starts_on} – ${m.deadline || "…"}`,
              `${m.state_label} · ${labels.progress} ${m.progress}%` +
                (m.late ? ` · ${labels.late}` : ""),
            ].join("\n");
          }
          if (d.step) {
            const s = d.step;
            const state = s.done_on ? `${labels.done} ${s.done_on}` : s.late ? labels.late : "";
            return `◆ ${s.title}\n${labels.due} ${s.due_on} ${state}`;
          }
          return params.name || "";
        },
      },
      xAxis: {
        type: "time",
        min: min,
        max: max,
        position: "top",
        splitLine: { show: true, lineStyle: { color: "#eee" } },
      },
      yAxis: {
        type: "category",
        inverse: true,
        data: rows.map((m) => `${m.problem_number} · ${short(m.content, 16)}`),
        axisTick: { show: false },
        axisLabel: {
          color: (value, index) => (rows[index] && rows[index].late ? RED : "#333"),
        },
      },
      series: [
        {
          name: program.name,
          type: "custom",
          renderItem: renderBar,
          encode: { x: [1, 2], y: 0 },
          data: bars,
          markArea: {
            silent: true,
            label: { position: "insideTop", color: "#555", fontSize: 11 },
            data: program.phases.map((p, i) => [
              {
                name: p.name,
                xAxis: time(p.starts_on),
                itemStyle: { color: PHASE_FILLS[i % 2] },
              },
              { xAxis: time(p.ends_on) + DAY },
            ]),
          },
          markLine: {
            silent: true,
            symbol: "none",
            lineStyle: { color: RED, type: "solid", width: 1.5 },
            label: { formatter: labels.today, color: RED, position: "end" },
            data: [{ xAxis: time(today) }],
          },
        },
        {
          name: labels.milestone,
          type: "scatter",
          symbol: "diamond",
          symbolSize: 11,
          z: 3,
          data: steps,
        },
      ],
    });
    return chart;
  }

  function draw() {
    const data = parse("roadmap-data");
    const labels = parse("roadmap-labels") || {};
    if (!data || typeof echarts === "undefined") return;
    const byId = new Map(data.programs.map((p) => [String(p.id), p]));
    const charts = [];
    for (const node of document.querySelectorAll("[data-roadmap-chart]")) {
      const program = byId.get(node.dataset.roadmapChart);
      if (program && program.measures.length) {
        charts.push(chartOf(node, program, data.today, labels));
        node.dataset.drawn = "1";
      }
    }
    window.addEventListener("resize", () => charts.forEach((c) => c.resize()));
  }

  // Printing shows the tables (the charts are not printed).
  window.addEventListener("beforeprint", () => {
    for (const box of document.querySelectorAll("details.roadmap-table")) box.open = true;
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
