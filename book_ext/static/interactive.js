// The book's two interactive figures, placed by the directives of book_ext/interactive.py:
// the convolution explorer (.conv-explorer) and the receptive-field explorer (.rf-explorer).
// Each starts from the settings in its data-config and replaces the static SVG drawn at build time.
// Plain JavaScript and SVG, no library. The rules follow d2l_local: conv_output_size (arithmetic.py)
// and receptive_fields (receptive_fields.py); the browser tests hold them to those functions.
(function () {
  "use strict";
  const SVG = "http://www.w3.org/2000/svg";
  let counter = 0;

  function el(tag, attributes, ...children) {
    const node = tag.startsWith("svg:") ? document.createElementNS(SVG, tag.slice(4)) : document.createElement(tag);
    for (const [key, value] of Object.entries(attributes || {})) {
      if (value === false || value === null || value === undefined) continue;
      if (key === "text") node.textContent = value;
      else node.setAttribute(key, value === true ? "" : value);
    }
    node.append(...children.filter((child) => child !== null && child !== undefined));
    return node;
  }

  function uid(prefix) {
    counter += 1;
    return `${prefix}-${counter}`;
  }

  // A labelled number input; the label is read aloud only, unless `visible`.
  function numberField(name, label, value, min, max, visible) {
    const id = uid("ix");
    return el("span", { class: visible ? "ix-field ix-labelled" : "ix-field" },
      el("label", { for: id, class: visible ? null : "ix-sr", text: label }),
      el("input", { id, name, type: "number", inputmode: "numeric", min, max, step: 1, value, required: true }));
  }

  function select(name, label, options, value) {
    const id = uid("ix");
    const control = el("select", { id, name },
      ...options.map(([key, text]) => el("option", { value: key, selected: key === value, text })));
    return el("span", { class: "ix-field ix-labelled" }, el("label", { for: id, text: label }), control);
  }

  // A whole number within [min, max] from a field, or an Error that names the field.
  function readInteger(input, label) {
    const text = input.value.trim();
    const min = Number(input.min), max = Number(input.max);
    if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max) {
      throw new Error(`${label} must be a whole number from ${min} to ${max}${text ? `, not ${text}` : ""}.`);
    }
    return Number(text);
  }

  // ---- convolution arithmetic, as conv_output_size in d2l_local/arithmetic.py --------------------

  function effectiveKernelSize(k, d) {
    return k + (k - 1) * (d - 1);
  }

  function totalPadding(padding, span) {
    if (padding === "valid") return 0;
    if (padding === "same") return span - 1;
    if (padding === "full") return 2 * (span - 1);
    return padding;
  }

  // One axis: output length, padding before/after (an odd total puts the extra after), span.
  function convAxis(n, k, padding, s, d, ceil, axisName) {
    const span = effectiveKernelSize(k, d);
    const p = totalPadding(padding, span);
    if (span > n + p) {
      const what = d > 1 ? "dilated kernel" : "kernel";
      throw new Error(`Impossible along the ${axisName}: the ${what} spans ${span} pixels but the padded ` +
        `input has only ${n + p}: pad by at least ${span - n - p} more, or use a smaller kernel` +
        `${d > 1 ? " or dilation" : ""}.`);
    }
    let out = Math.floor((n + p - span) / s) + 1;
    if (ceil && out * s < n + Math.floor(p / 2) && (n + p - span) % s) out += 1;
    return { n, k, s, d, span, out, before: Math.floor(p / 2), after: p - Math.floor(p / 2) };
  }

  // Input coordinates read by output `index` along an axis; negative ones are padding before.
  function taps(axis, index) {
    const result = [];
    for (let a = 0; a < axis.k; a += 1) {
      const t = index * axis.s - axis.before + a * axis.d;
      if (t < axis.n + axis.after) result.push(t);
    }
    return result;
  }

  // ---- convolution explorer -----------------------------------------------------------------

  const AXES = [["h", "height"], ["w", "width"]];
  const SETTINGS = [["input", "input"], ["kernel", "kernel"], ["padding", "padding (total)"],
    ["stride", "stride"], ["dilation", "dilation"]];

  function ConvExplorer(root) {
    const config = JSON.parse(root.dataset.config);
    const limits = config.limits;
    const padMode = typeof config.padding === "string" ? config.padding : "numbers";
    const grid = el("div", { class: "ix-grid", role: "group", "aria-label": "sizes along each axis" },
      el("span", { class: "ix-head", "aria-hidden": "true" }),
      el("span", { class: "ix-head", "aria-hidden": "true", text: "height" }),
      el("span", { class: "ix-head", "aria-hidden": "true", text: "width" }));
    const fields = {};
    for (const [key, label] of SETTINGS) {
      grid.append(el("span", { class: "ix-rowname", "aria-hidden": "true", text: label }));
      AXES.forEach(([axis, axisLabel], i) => {
        const value = key === "padding" ? (padMode === "numbers" ? config.padding[i] : 0) : config[key][i];
        const field = numberField(`${key}-${axis}`, `${label} ${axisLabel}`, value, ...limits[key]);
        fields[`${key}-${axis}`] = field.querySelector("input");
        grid.append(field);
      });
    }
    const mode = select("mode", "operation", [["conv", "convolution"], ["max-pool", "max pooling"],
      ["avg-pool", "average pooling"]], config.mode);
    const padding = select("padding-mode", "padding", [["numbers", "numbers (total)"], ["valid", "valid"],
      ["same", "same"], ["full", "full"]], padMode);
    const rounding = select("rounding", "rounding (pooling)", [["floor", "floor"], ["ceil", "ceil"]],
      config.ceil ? "ceil" : "floor");
    const selRow = numberField("out-row", "output row", 0, 0, 0, true);
    const selCol = numberField("out-col", "output column", 0, 0, 0, true);
    const play = el("button", { type: "button", class: "ix-play", "aria-pressed": "false", text: "Play" });
    const step = el("button", { type: "button", class: "ix-step", text: "Step" });
    const form = el("form", { class: "ix-form", "aria-label": "convolution settings" },
      el("fieldset", {}, el("legend", { text: "Settings" }),
        el("div", { class: "ix-choices" }, mode, padding, rounding), grid),
      el("fieldset", {}, el("legend", { text: "Selected output cell" }),
        el("div", { class: "ix-choices" }, selRow, selCol, play, step)));
    const size = el("p", { class: "ix-size", "aria-live": "polite" });
    const message = el("p", { class: "ix-message", role: "alert", hidden: true });
    const drawing = el("div", { class: "ix-drawing" });
    const status = el("p", { class: "ix-status", "aria-live": "polite" });
    root.replaceChildren(el("p", { class: "ix-title", text: "Convolution explorer" }), form, size, message,
      drawing, status);
    root.classList.add("is-live");

    const controls = { mode: mode.querySelector("select"), padding: padding.querySelector("select"),
      rounding: rounding.querySelector("select"), row: selRow.querySelector("input"),
      col: selCol.querySelector("input") };
    let state = null, timer = null;

    function read() {
      const get = (key) => AXES.map(([axis, axisLabel]) =>
        readInteger(fields[`${key}-${axis}`], `${SETTINGS.find((s) => s[0] === key)[1]} ${axisLabel}`));
      const pool = controls.mode.value !== "conv";
      const named = controls.padding.value !== "numbers";
      const input = get("input"), kernel = get("kernel"), stride = get("stride"), dilation = get("dilation");
      const pad = named ? [controls.padding.value, controls.padding.value] : get("padding");
      const ceil = pool && controls.rounding.value === "ceil";
      return AXES.map(([, axisLabel], i) =>
        convAxis(input[i], kernel[i], pad[i], stride[i], dilation[i], ceil, axisLabel));
    }

    function update() {
      const named = controls.padding.value !== "numbers";
      controls.rounding.disabled = controls.mode.value === "conv";
      for (const [axis] of AXES) fields[`padding-${axis}`].readOnly = named;
      if (named) {  // show what the named mode pads, in total, when the other fields allow it
        try {
          AXES.forEach(([axis, axisLabel]) => {
            const k = readInteger(fields[`kernel-${axis}`], `kernel ${axisLabel}`);
            const d = readInteger(fields[`dilation-${axis}`], `dilation ${axisLabel}`);
            fields[`padding-${axis}`].value = totalPadding(controls.padding.value, effectiveKernelSize(k, d));
          });
        } catch (error) { /* reported below */ }
      }
      try {
        state = read();
      } catch (error) {
        state = null;
        stop();
        message.textContent = error.message;
        message.hidden = false;
        size.textContent = "output: none";
        drawing.replaceChildren();
        status.textContent = "";
        return;
      }
      message.hidden = true;
      message.textContent = "";
      size.textContent = `output: ${state[0].out} × ${state[1].out}`;
      controls.row.max = state[0].out - 1;
      controls.col.max = state[1].out - 1;
      select_(clamp(controls.row.value, state[0].out), clamp(controls.col.value, state[1].out));
    }

    function clamp(text, count) {
      const value = Number.parseInt(text, 10);
      return Number.isNaN(value) ? 0 : Math.min(Math.max(value, 0), count - 1);
    }

    function select_(r, c) {
      if (!state) return;
      controls.row.value = r;
      controls.col.value = c;
      draw(r, c);
      const [rows, cols] = state;
      const list = (values, n) => values.map((v) => (v < 0 || v >= n ? `${v}*` : String(v))).join(", ");
      const rowTaps = taps(rows, r), colTaps = taps(cols, c);
      const anyPad = rowTaps.concat(colTaps).some((v, i) => v < 0 || v >= (i < rowTaps.length ? rows.n : cols.n));
      status.textContent = `Output (${r}, ${c}) reads input rows ${list(rowTaps, rows.n)} and columns ` +
        `${list(colTaps, cols.n)}${anyPad ? " (* marks padding)" : ""}.`;
    }

    function draw(r, c) {
      const [rows, cols] = state;
      const over = [rows, cols].map((a) => Math.max(0, (a.out - 1) * a.s + a.span - a.n - a.before - a.after));
      const shape = [rows.n + rows.before + rows.after + over[0], cols.n + cols.before + cols.after + over[1]];
      const cell = Math.max(8, Math.min(26, Math.floor(440 / Math.max(...shape))));
      const x0 = 8, y0 = 30;
      const read = new Set();
      for (const i of taps(rows, r)) for (const j of taps(cols, c)) read.add(`${i},${j}`);
      const svg = el("svg:svg", { class: "ix-svg", role: "img",
        "aria-label": `padded input ${shape[0] - over[0]} by ${shape[1] - over[1]}, output ` +
          `${rows.out} by ${cols.out}; output (${r}, ${c}) selected` });
      svg.append(el("svg:text", { x: x0, y: 18, class: "ix-label",
        text: `padded input ${shape[0] - over[0]} × ${shape[1] - over[1]}` }));
      const input = el("svg:g", { class: "ix-input" });
      for (let i = -rows.before; i < rows.n + rows.after + over[0]; i += 1) {
        for (let j = -cols.before; j < cols.n + cols.after + over[1]; j += 1) {
          const beyond = i >= rows.n + rows.after || j >= cols.n + cols.after;
          const inside = i >= 0 && i < rows.n && j >= 0 && j < cols.n;
          const kind = beyond ? "ix-beyond" : inside ? "ix-cell" : "ix-pad";
          input.append(el("svg:rect", { x: x0 + (j + cols.before) * cell, y: y0 + (i + rows.before) * cell,
            width: cell, height: cell, "data-row": i, "data-col": j,
            class: `${kind}${read.has(`${i},${j}`) ? " ix-read" : ""}` }));
        }
      }
      const top = r * rows.s, left = c * cols.s;  // the window's first tap, in padded coordinates
      input.append(el("svg:rect", { class: "ix-footprint", x: x0 + left * cell, y: y0 + top * cell,
        width: cols.span * cell, height: rows.span * cell }));
      svg.append(input);
      const ox = x0 + shape[1] * cell + 56;
      svg.append(el("svg:text", { x: ox - 28, y: y0 + Math.min(shape[0], 4) * cell / 2 + 8,
        class: "ix-arrow", "text-anchor": "middle", text: "→" }));
      svg.append(el("svg:text", { x: ox, y: 18, class: "ix-label", text: `output ${rows.out} × ${cols.out}` }));
      const output = el("svg:g", { class: "ix-output" });
      for (let i = 0; i < rows.out; i += 1) {
        for (let j = 0; j < cols.out; j += 1) {
          const chosen = i === r && j === c;
          const rect = el("svg:rect", { x: ox + j * cell, y: y0 + i * cell, width: cell, height: cell,
            "data-row": i, "data-col": j, class: `ix-out${chosen ? " ix-selected" : ""}` });
          rect.addEventListener("click", () => { stop(); select_(i, j); });
          output.append(rect);
        }
      }
      svg.append(output);
      const width = Math.max(ox + cols.out * cell + 8, 320);
      const height = y0 + Math.max(shape[0], rows.out) * cell + 8;
      svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
      svg.setAttribute("width", width);
      svg.setAttribute("height", height);
      drawing.replaceChildren(svg, el("p", { class: "ix-legend",
        text: "Grey dashed: padding. Blue: the cells that the selected output reads; the outline is the " +
          "kernel's dilated footprint." + (over[0] || over[1] ? " Dotted: beyond the padding (ceil mode), never read." : "") }));
    }

    function advance() {
      if (!state) return false;
      const r = Number(controls.row.value), c = Number(controls.col.value);
      const last = c + 1 >= state[1].out;
      if (last && r + 1 >= state[0].out) return false;
      select_(last ? r + 1 : r, last ? 0 : c + 1);
      return true;
    }

    function stop() {
      if (timer !== null) clearInterval(timer);
      timer = null;
      play.textContent = "Play";
      play.setAttribute("aria-pressed", "false");
    }

    play.addEventListener("click", () => {
      if (timer !== null) { stop(); return; }
      if (!state) return;
      if (Number(controls.row.value) === state[0].out - 1 && Number(controls.col.value) === state[1].out - 1) {
        select_(0, 0);
      }
      play.textContent = "Pause";
      play.setAttribute("aria-pressed", "true");
      timer = setInterval(() => { if (!advance()) stop(); }, 600);
    });
    step.addEventListener("click", () => { stop(); if (!advance()) select_(0, 0); });
    form.addEventListener("submit", (event) => event.preventDefault());
    form.addEventListener("input", (event) => {
      if (event.target === controls.row || event.target === controls.col) {
        stop();
        if (state) select_(clamp(controls.row.value, state[0].out), clamp(controls.col.value, state[1].out));
      } else {
        update();
      }
    });
    form.addEventListener("change", (event) => {
      if (event.target.tagName === "SELECT") update();
    });
    update();
  }

  // ---- receptive-field explorer, as receptive_fields in d2l_local/receptive_fields.py -----------

  // One row per layer: field size, jump, start (first input pixel of unit 0's field), centre.
  function receptiveFields(layers) {
    let size = 1, jump = 1, start = 0;
    return layers.map(([name, k, s, p, d]) => {
      size += (effectiveKernelSize(k, d) - 1) * jump;
      start -= p * jump;
      jump *= s;
      return { name, size, jump, start, centre: start + (size - 1) / 2 };
    });
  }

  const LAYER_FIELDS = [["kernel", 1, "kernel"], ["stride", 2, "stride"], ["dilation", 4, "dilation"],
    ["padding", 3, "padding (each side)"]];

  function RFExplorer(root) {
    const config = JSON.parse(root.dataset.config);
    const limits = config.limits;
    const presetOptions = Object.keys(config.presets).map((key) => [key, config.titles[key]]);
    const preset = select("preset", "preset", presetOptions.concat([["custom", "custom"]]), config.preset);
    const inputField = numberField("input", "input length", config.input, ...limits.input, true);
    const body = el("tbody");
    const stackTable = el("table", { class: "ix-stack" },
      el("caption", { text: "The stack, input first (every value can be edited)" }),
      el("thead", {}, el("tr", {}, el("th", { scope: "col", text: "layer" }),
        ...LAYER_FIELDS.map(([, , label]) => el("th", { scope: "col", text: label })),
        el("th", { scope: "col", text: "" }))), body);
    const add = el("button", { type: "button", class: "ix-add", text: "Add layer" });
    const layerChoice = select("sel-layer", "layer", [], "");
    const unitField = numberField("sel-unit", "unit", 0, 0, 0, true);
    const form = el("form", { class: "ix-form", "aria-label": "receptive-field settings" },
      el("fieldset", {}, el("legend", { text: "Stack" }),
        el("div", { class: "ix-choices" }, preset, inputField), stackTable, add),
      el("fieldset", {}, el("legend", { text: "Selected unit" }),
        el("div", { class: "ix-choices" }, layerChoice, unitField)));
    const message = el("p", { class: "ix-message", role: "alert", hidden: true });
    const drawing = el("div", { class: "ix-drawing" });
    const status = el("p", { class: "ix-status", "aria-live": "polite" });
    const results = el("tbody");
    const table = el("table", { class: "rf-table" },
      el("caption", { text: "Receptive field per layer, in input pixels" }),
      el("thead", {}, el("tr", {}, ...["layer", "output", "field", "jump", "start", "centre"].map(
        (text) => el("th", { scope: "col", text })))), results);
    root.replaceChildren(el("p", { class: "ix-title", text: "Receptive-field explorer" }), form, message,
      drawing, status, el("div", { class: "ix-table-wrap" }, table));
    root.classList.add("is-live");
    const controls = { preset: preset.querySelector("select"), input: inputField.querySelector("input"),
      layer: layerChoice.querySelector("select"), unit: unitField.querySelector("input") };
    let state = null;

    function addRow(layer) {
      const [name] = layer;
      const nameId = uid("ix");
      const row = el("tr", {}, el("td", {},
        el("label", { for: nameId, class: "ix-sr", text: "layer name" }),
        el("input", { id: nameId, name: "name", type: "text", value: name, size: 8, maxlength: 16 })));
      for (const [key, index, label] of LAYER_FIELDS) {
        const field = numberField(key, `${label} of ${name}`, layer[index], ...limits[key]);
        row.append(el("td", {}, field));
      }
      const remove = el("button", { type: "button", class: "ix-remove", "aria-label": `remove ${name}`,
        text: "Remove" });
      remove.addEventListener("click", () => {
        if (body.rows.length <= limits.layers[0]) return;
        const next = row.nextElementSibling || row.previousElementSibling;
        row.remove();
        controls.preset.value = "custom";
        update(true);
        (next ? next.querySelector(".ix-remove") : add).focus();
      });
      row.append(el("td", {}, remove));
      body.append(row);
    }

    function setStack(layers, n) {
      body.replaceChildren();
      layers.forEach(addRow);
      controls.input.value = n;
    }

    function read() {
      const n = readInteger(controls.input, "input length");
      const layers = Array.from(body.rows, (row, i) => {
        const name = row.querySelector("[name=name]").value.trim() || `layer ${i + 1}`;
        const value = (key, label) => readInteger(row.querySelector(`[name=${key}]`), `${label} of ${name}`);
        return [name, value("kernel", "kernel"), value("stride", "stride"), value("padding", "padding"),
          value("dilation", "dilation")];
      });
      const sizes = [n];
      for (const [name, k, s, p, d] of layers) {
        try {
          sizes.push(convAxis(sizes[sizes.length - 1], k, 2 * p, s, d, false, "axis").out);
        } catch (error) {
          throw new Error(`${name} does not fit: ${error.message.replace("Impossible along the axis: ", "")}`);
        }
      }
      return { n, layers, sizes, fields: receptiveFields(layers) };
    }

    function update(restack) {
      add.disabled = body.rows.length >= limits.layers[1];
      body.querySelectorAll(".ix-remove").forEach((button) => { button.disabled = body.rows.length <= 1; });
      const previous = [controls.layer.value, controls.unit.value];
      try {
        state = read();
      } catch (error) {
        state = null;
        message.textContent = error.message;
        message.hidden = false;
        drawing.replaceChildren();
        results.replaceChildren();
        status.textContent = "";
        return;
      }
      message.hidden = true;
      message.textContent = "";
      const names = ["input"].concat(state.layers.map(([name]) => name));
      controls.layer.replaceChildren(...names.map((name, i) => el("option", { value: i, text: name })));
      let layer = restack ? names.length - 1 : Math.min(Number(previous[0]), names.length - 1);
      if (Number.isNaN(layer) || previous[0] === "") layer = names.length - 1;
      controls.layer.value = layer;
      const n = state.sizes[layer];
      const unit = restack || previous[0] === "" ? Math.floor(n / 2) : Math.min(Number(previous[1]) || 0, n - 1);
      results.replaceChildren(...state.fields.map((f, i) => el("tr", {},
        el("th", { scope: "row", text: f.name }), el("td", { text: state.sizes[i + 1] }),
        el("td", { text: f.size }), el("td", { text: f.jump }), el("td", { text: f.start }),
        el("td", { text: f.centre }))));
      choose(layer, unit);
    }

    // The units of every earlier row that unit `unit` of row `layer` depends on; row 0 is the input.
    function dependencies(layer, unit) {
      const reads = { [layer]: new Set([unit]) };
      for (let row = layer; row > 0; row -= 1) {
        const [, k, s, p, d] = state.layers[row - 1];
        const below = new Set();
        for (const u of reads[row]) {
          for (let a = 0; a < k; a += 1) {
            const v = u * s - p + a * d;
            if (v >= 0 && v < state.sizes[row - 1]) below.add(v);
          }
        }
        reads[row - 1] = below;
      }
      return reads;
    }

    function choose(layer, unit) {
      controls.layer.value = layer;
      controls.unit.max = state.sizes[layer] - 1;
      controls.unit.value = unit;
      const reads = dependencies(layer, unit);
      const name = layer === 0 ? "input" : state.layers[layer - 1][0];
      if (layer === 0) {
        status.textContent = `Input pixel ${unit} is selected: it sees only itself.`;
      } else {
        const f = state.fields[layer - 1];
        const first = f.start + unit * f.jump, last = first + f.size - 1;
        const inside = reads[0].size;
        status.textContent = `Unit ${unit} of ${name} sees input pixels ${first} to ${last} (a field of ` +
          `${f.size}); ${inside} of them lie in the input and reach it` +
          `${first < 0 || last >= state.n ? ", the rest is padding" : ""}.`;
      }
      draw(layer, unit, reads);
    }

    function draw(selLayer, selUnit, reads) {
      const rows = state.layers.length + 1;
      const centres = [0].concat(state.fields.map((f) => f.centre));
      const jumps = [1].concat(state.fields.map((f) => f.jump));
      let low = 0, high = state.n - 1;
      if (selLayer > 0) {
        const f = state.fields[selLayer - 1];
        low = Math.min(low, f.start + selUnit * f.jump);
        high = Math.max(high, f.start + selUnit * f.jump + f.size - 1);
      }
      centres.forEach((c, i) => {
        low = Math.min(low, c);
        high = Math.max(high, c + (state.sizes[i] - 1) * jumps[i]);
      });
      const unit = Math.max(5, Math.min(18, Math.floor(600 / (high - low + 1))));
      const x0 = 90 - low * unit, rowHeight = Math.max(unit + 12, 24), top = 8;
      const width = x0 + (high + 1) * unit + 8, height = top + rows * rowHeight + 8;
      const svg = el("svg:svg", { class: "ix-svg", role: "img", viewBox: `0 0 ${width} ${height}`,
        width, height, "aria-label": `${rows - 1} layers above an input of ${state.n} pixels` });
      for (let row = rows - 1; row >= 0; row -= 1) {
        const y = top + (rows - 1 - row) * rowHeight;
        const name = row === 0 ? "input" : state.layers[row - 1][0];
        svg.append(el("svg:text", { x: 4, y: y + unit - 2, class: "ix-label", text: name }));
        const group = el("svg:g", { "data-layer": row });
        for (let u = 0; u < state.sizes[row]; u += 1) {
          const x = x0 + (centres[row] + u * jumps[row]) * unit;
          const chosen = row === selLayer && u === selUnit;
          const rect = el("svg:rect", { x, y, width: unit - 1, height: unit, "data-layer": row, "data-unit": u,
            class: `ix-unit${reads[row] && reads[row].has(u) ? " ix-read" : ""}${chosen ? " ix-selected" : ""}` });
          rect.addEventListener("click", () => choose(row, u));
          group.append(rect);
        }
        svg.append(group);
        if (row === 0 && selLayer > 0) {
          const f = state.fields[selLayer - 1];
          const first = f.start + selUnit * f.jump;
          svg.append(el("svg:rect", { class: "ix-field-extent", x: x0 + first * unit - 1, y: y - 3,
            width: f.size * unit + 1, height: unit + 6 }));
        }
      }
      drawing.replaceChildren(svg, el("p", { class: "ix-legend",
        text: "Each unit sits above the middle of its receptive field. Blue: the units the selected unit " +
          "depends on; the outline on the input is its whole field, padding included." }));
    }

    controls.preset.addEventListener("change", () => {
      const chosen = config.presets[controls.preset.value];
      if (chosen) setStack(chosen.layers, chosen.input);
      update(true);
    });
    add.addEventListener("click", () => {
      const count = body.rows.length + 1;
      addRow([`layer${count}`, 3, 1, 1, 1]);
      controls.preset.value = "custom";
      update(true);
    });
    form.addEventListener("submit", (event) => event.preventDefault());
    form.addEventListener("input", (event) => {
      if (event.target === controls.unit) {
        if (state) choose(Number(controls.layer.value), Math.min(Math.max(Number(controls.unit.value) || 0, 0),
          state.sizes[Number(controls.layer.value)] - 1));
        return;
      }
      if (event.target === controls.layer || event.target === controls.preset) return;
      if (event.target !== controls.input) controls.preset.value = "custom";
      update(false);
    });
    controls.layer.addEventListener("change", () => {
      if (!state) return;
      const layer = Number(controls.layer.value);
      choose(layer, Math.floor(state.sizes[layer] / 2));
    });
    setStack(config.layers, config.input);
    update(true);
  }

  function start() {
    document.querySelectorAll(".conv-explorer[data-config]:not(.is-live)").forEach(ConvExplorer);
    document.querySelectorAll(".rf-explorer[data-config]:not(.is-live)").forEach(RFExplorer);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
