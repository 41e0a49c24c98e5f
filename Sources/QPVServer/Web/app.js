// qpv — the counsellor's page: address suggestions (/search), the QPV verdict (/locate), two SVG maps drawn
// from GeoJSON (/perimeters, and the installed addresses and streets of /nearby), the emploi franc and adulte-relais verdicts (/eligibility/…), a print view.
// No library, nothing loaded from elsewhere.
"use strict";

const $ = (id) => document.getElementById(id);
const state = { suggestions: [], active: -1, chosen: null, place: null, report: null, timer: null, seq: 0 };

function today() {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
}

function frenchDate(iso) {
  const [y, m, d] = iso.split("-").map(Number);
  const months = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"];
  return `${d === 1 ? "1er" : d} ${months[m - 1]} ${y}`;
}

function metres(x) {
  if (x == null) return "?";
  return x >= 1000 ? `${(x / 1000).toFixed(1).replace(".", ",")} km` : `${Math.round(x)} m`;
}

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") e.className = v; else e.setAttribute(k, v);
  }
  for (const c of children) if (c != null) e.append(c);
  return e;
}

async function api(path, params) {
  const query = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {})) if (v !== "" && v != null && v !== false) query.set(k, v);
  const res = await fetch(`${path}?${query}`, { headers: { Accept: "application/json" } });
  const body = await res.json().catch(() => ({ message: `réponse illisible (${res.status})` }));
  if (!res.ok) throw new Error(body.message || `erreur ${res.status}`);
  return body;
}

// ---- Suggestions (combobox) -------------------------------------------------------------------------

const STATUS_TAG = { in: ["Dans un QPV", "tag-in"], out: ["Hors QPV", "tag-out"], boundary: ["À vérifier", "tag-boundary"],
  no_list: ["Liste absente", "tag-boundary"], not_covered: ["Hors couverture", "tag-boundary"],
  invalid_coordinates: ["Position inutilisable", "tag-boundary"] };

function closeSuggestions() {
  $("suggestions").hidden = true;
  $("address").setAttribute("aria-expanded", "false");
  $("address").removeAttribute("aria-activedescendant");
  state.active = -1;
}

function renderSuggestions() {
  const list = $("suggestions");
  list.replaceChildren();
  state.suggestions.forEach((f, i) => {
    const [text, cls] = STATUS_TAG[f.properties.qpv_status] || ["", "tag-out"];
    const li = el("li", { id: `sugg-${i}`, role: "option", "aria-selected": String(i === state.active) },
      el("span", {}, f.properties.label), el("span", { class: `tag ${cls}` }, text));
    li.addEventListener("mousedown", (ev) => { ev.preventDefault(); choose(i); submitSearch(); });
    list.append(li);
  });
  const open = state.suggestions.length > 0;
  list.hidden = !open;
  $("address").setAttribute("aria-expanded", String(open));
  if (state.active >= 0) $("address").setAttribute("aria-activedescendant", `sugg-${state.active}`);
  else $("address").removeAttribute("aria-activedescendant");
}

function choose(i) {
  state.chosen = state.suggestions[i];
  $("address").value = state.chosen.properties.label;
  closeSuggestions();
}

async function suggest() {
  const q = $("address").value.trim();
  if (q.length < 3) { state.suggestions = []; renderSuggestions(); return; }
  const seq = ++state.seq;
  try {
    const fc = await api("/search", { q, limit: 5, date: $("date").value });
    if (seq !== state.seq) return;
    state.suggestions = fc.features;
    state.active = -1;
    renderSuggestions();
  } catch (e) { /* suggestions are optional: the search button reports errors */ }
}

/// The last day an emploi franc contract could be signed (the programme was not renewed for 2025).
const EMPLOI_FRANC_LAST_DAY = "2024-12-31";

// ---- Verdict ------------------------------------------------------------------------------------------

function verdictText(r) {
  const names = r.qpv.map((p) => `${p.name} (${p.code})`).join(" et ");
  switch (r.status) {
    case "in": return `Dans un quartier prioritaire : ${names}`;
    case "out": return "Hors quartier prioritaire";
    case "boundary": return `À vérifier : adresse en limite de quartier, à ${metres(r.distance_boundary_m)}`;
    case "no_list": return "À vérifier : la liste des quartiers en vigueur à cette date n'est pas installée";
    case "not_covered": return "À vérifier : la liste installée ne couvre pas ce lieu (liste partielle ou département incertain)";
    default: return "Position inutilisable";
  }
}

async function submitSearch() {
  const q = $("address").value.trim();
  const error = $("search-error");
  error.hidden = true;
  if (q.length < 3) { error.textContent = "Saisissez une adresse (au moins 3 caractères)."; error.hidden = false; $("address").focus(); return; }
  closeSuggestions();
  const date = $("date").value || today();
  try {
    let feature = state.chosen && state.chosen.properties.label === q ? state.chosen : null;
    $("candidates").hidden = true;
    if (!feature) {
      // The confidence policy (score above 0,8, no close second candidate, not the commune only) is the
      // server's: when it doubts, the candidates are listed for the counsellor to choose, never picked silently.
      const fc = await api("/search", { q, limit: 5, date });
      feature = fc.features[0];
      if (!feature) throw new Error(`aucune adresse ne correspond à « ${q} »`);
      if (geocodingDoubt(feature)) { showCandidates(feature.properties.qpv_reason, fc.features); return; }
    }
    const [lon, lat] = feature.geometry.coordinates;
    const citycode = feature.properties.citycode;
    const report = await api("/locate", citycode ? { lon, lat, date, citycode } : { lon, lat, date });
    state.place = { lon, lat, label: feature.properties.label, type: feature.properties.type, score: feature.properties.score, date };
    state.report = report;
    showResult(feature, report);
    await drawMap(report, date);
    $("result-ef").replaceChildren();
    $("result-ar").replaceChildren();
    // No emploi franc since 1 January 2025: the proposed signature date is the question's, or the last day a
    // contract could still be signed (31 December 2024), until the counsellor types one.
    if (!$("ef-signature").dataset.typed) $("ef-signature").value = date < EMPLOI_FRANC_LAST_DAY ? date : EMPLOI_FRANC_LAST_DAY;
    if (!$("ar-hire").value) $("ar-hire").value = date;
  } catch (e) {
    error.textContent = `Recherche impossible : ${e.message}`;
    error.hidden = false;
  }
}

/// True when the server's confidence policy doubts the geocoding itself (not the street check).
function geocodingDoubt(feature) {
  return feature.properties.geocoding_to_verify === true;
}

function showCandidates(reason, features) {
  const box = $("candidates");
  const list = el("ul", {});
  features.forEach((f) => {
    const p = f.properties;
    const kind = { housenumber: "au numéro", street: "à la voie", locality: "au lieu-dit", municipality: "commune seulement" }[p.type] || p.type;
    const b = el("button", { type: "button" }, `${p.label} — ${kind}, score ${Number(p.score).toFixed(2).replace(".", ",")}`);
    b.addEventListener("click", () => { state.chosen = f; $("address").value = p.label; submitSearch(); });
    list.append(el("li", {}, b));
  });
  box.replaceChildren(el("p", {}, el("strong", {}, "Adresse à vérifier : "), reason || "géocodage incertain", ". Choisissez l'adresse voulue :"), list);
  box.hidden = false;
  $("resultat").hidden = true;
}

function showResult(feature, r) {
  $("resultat").hidden = false;
  const p = feature.properties;
  const precision = { housenumber: "au numéro", street: "à la voie (numéro non trouvé)", municipality: "à la commune seulement" }[p.type] || p.type;
  $("found-address").textContent = `Adresse trouvée : ${p.label} — ${precision}, score ${Number(p.score).toFixed(2).replace(".", ",")}`;
  const v = $("verdict");
  const doubt = p.qpv_status === "to_verify";
  v.className = `verdict ${doubt ? "boundary" : r.status}`;
  v.textContent = (r.demo ? "[Démonstration] " : "") + (doubt ? `À vérifier : ${p.qpv_reason} — au point trouvé : ` : "") + verdictText(r);
  let detail = r.message;
  if (r.qic_status === "not_applicable") detail += " QIC : sans objet ici (le lieu est hors de l'intercommunalité des QIC installés).";
  if (r.qic_status === "not_covered") detail += ` QIC : à vérifier — ${r.qic_problem || "intercommunalité du lieu indéterminée"}.`;
  if (p.type !== "housenumber") detail += " Attention : la position n'est pas celle du numéro, vérifiez l'adresse.";
  if (p.qpv_reason) detail += ` ${p.qpv_status === "to_verify" ? "À vérifier" : "Note"} : ${p.qpv_reason}.`;
  $("verdict-detail").textContent = detail;
  const lists = $("list-used");
  lists.replaceChildren(el("strong", {}, "Liste utilisée : "));
  r.lists_used.forEach((l, i) => {
    lists.append(`${i ? " ; " : ""}${l.label} — ${l.legal_basis} — source : ${l.source_file} (sha256 ${l.source_sha256.slice(0, 12)}…)`);
  });
  if (r.missing_list) lists.append(` Liste nécessaire : ${r.missing_list.label} — ${r.missing_list.how_to_install}`);
  $("print-date").textContent = `${frenchDate(today())} — question posée pour le ${frenchDate(r.date)}`;
}

// ---- Map ----------------------------------------------------------------------------------------------

const SVG = "http://www.w3.org/2000/svg";
function svg(tag, attrs = {}) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  return e;
}

function ringsOf(geometry) {
  if (!geometry) return [];
  if (geometry.type === "Polygon") return [geometry.coordinates];
  if (geometry.type === "MultiPolygon") return geometry.coordinates;
  return [];
}

function envelope(geometry) {
  const e = [Infinity, Infinity, -Infinity, -Infinity];
  for (const poly of ringsOf(geometry)) for (const [x, y] of poly[0]) {
    e[0] = Math.min(e[0], x); e[1] = Math.min(e[1], y); e[2] = Math.max(e[2], x); e[3] = Math.max(e[3], y);
  }
  return e;
}

/// The half-width (metres) of the detail view around the address: the boundary, streets and house numbers
/// at street level, so that « à 13 m de la limite » can be judged.
const DETAIL_HALF = 150;

async function drawMap(r, date) {
  const lon0 = r.lon, lat0 = r.lat;
  const kx = 111320 * Math.cos((lat0 * Math.PI) / 180), ky = 110574;
  // The overview: 700 m around the address, widened to the perimeter it is in (or the nearest one), at most 6 km.
  const mainCode = (r.qpv[0] && r.qpv[0].code) || (r.nearest_qpv && r.nearest_qpv.code) || null;
  let half = 700;
  const boxAround = (m) => [lon0 - m / kx, lat0 - m / ky, lon0 + m / kx, lat0 + m / ky];
  let fc;
  try {
    fc = await api("/perimeters", { bbox: boxAround(3000).map((x) => x.toFixed(6)).join(","), date, format: "geojson" });
  } catch (e) { fc = { features: [] }; }
  const main = fc.features.find((f) => f.properties.code === mainCode && f.properties.kind === "qpv");
  if (main) {
    const e = envelope(main.geometry);
    const need = Math.max(Math.abs(e[0] - lon0) * kx, Math.abs(e[2] - lon0) * kx, Math.abs(e[1] - lat0) * ky, Math.abs(e[3] - lat0) * ky);
    half = Math.min(3000, Math.max(half, need * 1.1));
  }
  // The installed address base around the point (offline: no map tiles): streets and addresses.
  let near;
  try {
    near = await api("/nearby", { lon: lon0, lat: lat0, radius: Math.round(Math.min(1000, half * 1.45)), limit: 2000 });
  } catch (e) { near = { features: [], demo: false }; }
  const view = { lon0, lat0, kx, ky, fc, main, near };
  const overview = drawView($("map"), 640, 420, half, view, false);
  const detail = drawView($("map-detail"), 420, 420, DETAIL_HALF, view, true);
  $("map-desc").textContent = `${fc.features.length} périmètre(s) dans la vue ; point rouge : l'adresse ; ${overview.streets} voie(s) ; barre d'échelle : ${metres(overview.nice)}.`;
  $("map-detail-desc").textContent = `${DETAIL_HALF} m autour de l'adresse : ${detail.streets} voie(s) et ${detail.addresses} adresse(s) de la base d'adresses installée ; barre d'échelle : ${metres(detail.nice)}.`;
  $("map-detail-caption").textContent = `Vue rapprochée (${DETAIL_HALF} m autour) : voies et adresses ${near.demo ? "fictives de démonstration" : "de la base d'adresses installée (BAN)"}, tracé des voies approché par leurs adresses`
    + (r.distance_boundary_m != null && r.status !== "in" && r.status !== "out" ? ` ; limite du quartier à ${metres(r.distance_boundary_m)}` : "");
}

/// One map: the perimeters, the streets and addresses of /nearby, the address point and a scale bar, `half`
/// metres around the address. `detail` adds street names and house numbers. Returns what was drawn.
function drawView(map, W, H, half, v, detail) {
  map.querySelectorAll("g").forEach((n) => n.remove());
  const scale = Math.min(W, H) / (2 * half); // px per metre
  const px = ([x, y]) => [W / 2 + (x - v.lon0) * v.kx * scale, H / 2 - (y - v.lat0) * v.ky * scale];
  const visible = ([x, y], m = 0) => x >= -m && x <= W + m && y >= -m && y <= H + m;

  const g = svg("g", { class: "perimeters" });
  const labels = svg("g", { class: "labels" });
  const sorted = v.fc.features.slice().sort((a, b) => (a === v.main) - (b === v.main) || (a.properties.kind === "qic") - (b.properties.kind === "qic"));
  for (const f of sorted) {
    let d = "";
    for (const poly of ringsOf(f.geometry)) for (const ring of poly) {
      d += ring.map((c, i) => `${i ? "L" : "M"}${px(c).map((n) => n.toFixed(1)).join(",")}`).join("") + "Z";
    }
    const cls = `perimeter ${f.properties.kind}${f === v.main ? " main" : ""}`;
    const path = svg("path", { d, class: cls, "fill-rule": "evenodd", "data-code": f.properties.code });
    const title = svg("title");
    title.textContent = `${f.properties.kind.toUpperCase()} ${f.properties.code} — ${f.properties.name} (liste ${f.properties.vintage})`;
    path.append(title);
    g.append(path);
    if (detail) continue;
    const e = envelope(f.geometry);
    const [cx, cy] = px([(e[0] + e[2]) / 2, (e[1] + e[3]) / 2]);
    if (cx > 20 && cx < W - 20 && cy > 20 && cy < H - 40) {
      const t = svg("text", { x: cx.toFixed(1), y: cy.toFixed(1), class: "label", "text-anchor": "middle" });
      t.textContent = f.properties.name;
      labels.append(t);
    }
  }

  // Streets (a line through each street's addresses: the BAN has no centre lines) and addresses.
  const streets = svg("g", { class: "streets" });
  const casings = svg("g", { class: "street-casings" });
  const names = svg("g", { class: "street-names" });
  const addresses = svg("g", { class: "addresses" });
  let streetCount = 0, addressCount = 0;
  const named = new Set();
  for (const f of v.near.features) {
    const p = f.properties;
    if (p.kind === "street" && f.geometry.type === "LineString") {
      const pts = f.geometry.coordinates.map(px);
      if (!pts.some((q) => visible(q, 20))) continue;
      const d = pts.map((q, i) => `${i ? "L" : "M"}${q[0].toFixed(1)},${q[1].toFixed(1)}`).join("");
      casings.append(svg("path", { d, class: "street-casing" }));
      const line = svg("path", { d, class: "street", "data-name": p.name });
      const title = svg("title");
      title.textContent = `${p.name} (${p.address_count} adresse${p.address_count > 1 ? "s" : ""})`;
      line.append(title);
      streets.append(line);
      streetCount++;
      if (detail && !named.has(p.name)) {
        // The name along the longest visible segment, read left to right.
        let best = null;
        for (let i = 1; i < pts.length; i++) {
          const [a, b] = [pts[i - 1], pts[i]];
          const mid = [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2];
          const len = Math.hypot(b[0] - a[0], b[1] - a[1]);
          if (visible(mid, -25) && (!best || len > best.len)) best = { mid, len, a, b };
        }
        if (best) {
          let angle = (Math.atan2(best.b[1] - best.a[1], best.b[0] - best.a[0]) * 180) / Math.PI;
          if (angle > 90) angle -= 180;
          if (angle < -90) angle += 180;
          const t = svg("text", { x: best.mid[0].toFixed(1), y: (best.mid[1] - 5).toFixed(1), class: "street-name", "text-anchor": "middle",
            transform: `rotate(${angle.toFixed(1)} ${best.mid[0].toFixed(1)} ${best.mid[1].toFixed(1)})` });
          t.textContent = p.name;
          names.append(t);
          named.add(p.name);
        }
      }
    } else if (p.kind === "address") {
      const q = px(f.geometry.coordinates);
      if (!visible(q)) continue;
      addresses.append(svg("circle", { cx: q[0].toFixed(1), cy: q[1].toFixed(1), r: detail ? 2.5 : 1.2, class: "address-dot" }));
      if (detail && p.housenumber) {
        const t = svg("text", { x: (q[0] + 4).toFixed(1), y: (q[1] - 3).toFixed(1), class: "housenumber" });
        t.textContent = p.housenumber;
        addresses.append(t);
      }
      addressCount++;
    }
  }

  const point = svg("g", { class: "address" });
  const [ax, ay] = px([v.lon0, v.lat0]);
  point.append(svg("circle", { cx: ax, cy: ay, r: detail ? 6 : 7, class: "point" }));
  // Scale bar: a round length near a quarter of the width.
  const target = (W / 4) / scale;
  const nice = [10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000].reduce((best, n) => (Math.abs(n - target) < Math.abs(best - target) ? n : best));
  const len = nice * scale;
  const bar = svg("g", { class: "scale", transform: `translate(16 ${H - 18})` });
  bar.append(svg("line", { x1: 0, y1: 0, x2: len.toFixed(1), y2: 0 }), svg("line", { x1: 0, y1: -5, x2: 0, y2: 5 }),
    svg("line", { x1: len.toFixed(1), y1: -5, x2: len.toFixed(1), y2: 5 }));
  const label = svg("text", { x: (len / 2).toFixed(1), y: -8, "text-anchor": "middle" });
  label.textContent = metres(nice);
  bar.append(label);
  map.append(g, casings, streets, addresses, names, labels, point, bar);
  return { streets: streetCount, addresses: addressCount, nice };
}

// ---- Eligibility tabs ---------------------------------------------------------------------------------

function selectTab(tab) {
  for (const t of document.querySelectorAll("[role=tab]")) {
    const on = t === tab;
    t.setAttribute("aria-selected", String(on));
    t.tabIndex = on ? 0 : -1;
    $(t.getAttribute("aria-controls")).hidden = !on;
  }
  tab.focus();
}

function renderEligibility(target, rep) {
  const sym = { met: "✓", not_met: "✗", unknown: "?" };
  const verdict = rep.verdict_label || { eligible: "Éligible", not_eligible: "Non éligible", to_verify: "À vérifier" }[rep.verdict];
  const box = [el("h3", { class: `v-${rep.verdict}` }, `${verdict} — ${rep.programme_label}`), el("p", {}, rep.summary),
    el("p", {}, `${rep.date_label.charAt(0).toUpperCase()}${rep.date_label.slice(1)} : ${frenchDate(rep.date)}`)];
  const ul = el("ul", { class: "criteria", "aria-label": "Critères" });
  for (const c of rep.criteria) {
    ul.append(el("li", { class: c.result }, el("span", { class: "sym", "aria-hidden": "true" }, sym[c.result]),
      el("strong", {}, `${c.label} : `), c.detail, el("span", { class: "sr" }, ` (${{ met: "rempli", not_met: "non rempli", unknown: "inconnu" }[c.result]})`)));
  }
  box.push(ul);
  if (rep.aid && rep.aid.total_eur != null) box.push(el("p", {}, `Montant de l'aide : ${rep.aid.total_eur.toLocaleString("fr-FR")} € — ${rep.aid.detail}`));
  else if (rep.aid && rep.aid.per_year_full_time_eur != null) {
    box.push(el("p", {}, `Montant de l'aide : ${rep.aid.per_year_full_time_eur.toLocaleString("fr-FR")} € par an et par poste à temps plein — ${rep.aid.detail}`));
  } else if (rep.aid) box.push(el("p", {}, `Montant de l'aide : ${rep.aid.detail}`));
  // The amount's own doubt: it never changes the verdict.
  if (rep.aid && rep.aid.uncertain) box.push(el("p", { class: "detail amount-doubt" }, `Montant à vérifier : ${rep.aid.uncertain}`));
  for (const a of rep.also_decides || []) box.push(el("p", { class: "detail also-decides" }, `Décide aussi : ${a}`));
  if (rep.filing_deadline) box.push(el("p", {}, `Date limite de la demande : ${frenchDate(rep.filing_deadline)}`));
  for (const v of rep.to_verify) box.push(el("p", { class: "detail" }, `À vérifier : ${v}`));
  if (rep.sources.length) {
    box.push(el("p", { class: "list-used" }, "Sources : " + rep.sources.map((s) => s.title).join(" ; ")));
  }
  target.replaceChildren(...box);
}

function formParams(form) {
  const out = {};
  for (const input of form.elements) {
    if (!input.name || input.disabled) continue;
    if (input.type === "checkbox") out[input.name] = input.checked ? "true" : "";
    else out[input.name] = input.value;
  }
  return out;
}

async function evaluate(form, path, target) {
  if (!state.place) return;
  const params = { ...formParams(form), lon: state.place.lon, lat: state.place.lat };
  try {
    renderEligibility(target, await api(path, params));
  } catch (e) {
    target.replaceChildren(el("p", { class: "error", role: "alert" }, `Évaluation impossible : ${e.message}`));
  }
}

// ---- Wiring -------------------------------------------------------------------------------------------

document.addEventListener("DOMContentLoaded", () => {
  $("date").value = today();
  const input = $("address");
  input.addEventListener("input", () => {
    state.chosen = null;
    clearTimeout(state.timer);
    state.timer = setTimeout(suggest, 200);
  });
  input.addEventListener("keydown", (ev) => {
    const n = state.suggestions.length;
    if (ev.key === "ArrowDown" && n) { ev.preventDefault(); state.active = (state.active + 1) % n; renderSuggestions(); }
    else if (ev.key === "ArrowUp" && n) { ev.preventDefault(); state.active = (state.active - 1 + n) % n; renderSuggestions(); }
    else if (ev.key === "Escape") { closeSuggestions(); }
    else if (ev.key === "Enter" && state.active >= 0 && !$("suggestions").hidden) { ev.preventDefault(); choose(state.active); submitSearch(); }
  });
  input.addEventListener("blur", () => setTimeout(closeSuggestions, 150));
  $("search-form").addEventListener("submit", (ev) => { ev.preventDefault(); submitSearch(); });

  const tabs = [...document.querySelectorAll("[role=tab]")];
  tabs.forEach((t, i) => {
    t.addEventListener("click", () => selectTab(t));
    t.addEventListener("keydown", (ev) => {
      if (ev.key === "ArrowRight") selectTab(tabs[(i + 1) % tabs.length]);
      if (ev.key === "ArrowLeft") selectTab(tabs[(i - 1 + tabs.length) % tabs.length]);
    });
  });
  $("form-ef").addEventListener("submit", (ev) => {
    ev.preventDefault();
    evaluate(ev.target, "/eligibility/emploi-franc", $("result-ef"));
  });
  $("form-ar").addEventListener("submit", (ev) => {
    ev.preventDefault();
    evaluate(ev.target, "/eligibility/adulte-relais", $("result-ar"));
  });
  // A CDI has no duration: the field is disabled (and not sent) while CDI is chosen.
  for (const [contract, duration] of [["ef-contract", "ef-duration"], ["ar-contract", "ar-duration"]]) {
    const sync = () => { $(duration).disabled = $(contract).value === "cdi"; };
    $(contract).addEventListener("change", sync);
    sync();
  }
  $("print").addEventListener("click", () => window.print());

  $("ef-signature").addEventListener("input", () => { $("ef-signature").dataset.typed = "1"; });
  fetch("/health").then((r) => r.json()).then((h) => {
    $("demo-banner").hidden = !h.demo;
    // The demonstration address as an example only when the demonstration addresses answer.
    if (h.demo_addresses) $("address").placeholder = "ex. 15 avenue de la Mer 00100 Quartville-sur-Démo";
  }).catch(() => {});
  fetch("/version").then((r) => r.json()).then((v) => { $("version").textContent = v.version; }).catch(() => {});
});
