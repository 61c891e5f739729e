// Progressive enhancement of long choices (the list's report filter): a plain <select>
// marked data-module="app-autocomplete", which works without JavaScript, becomes GOV.UK's
// accessible-autocomplete, so people type part of a report's title. The component is the
// npm package's own build, copied into static/build by `make setup` (npm run build:js)
// and loaded before this module by a deferred <script>: no inline script, for the CSP.
//
// With data-source (the list's report filter: /recommendations/reports.json?q=), the
// suggestions come from that small JSON endpoint as the person types (issue 29), scoped
// to what they may see; without it, or if the endpoint fails, from the select's options.
const { accessibleAutocomplete } = window;

function optionsMatching(select, query) {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  return [...select.options]
    .filter((o) => o.value && words.every((w) => o.text.toLowerCase().includes(w)))
    .map((o) => ({ value: o.value, label: o.text }));
}

function remoteSource(select, url, labels) {
  let controller = null;
  return (query, populateResults) => {
    const shown = (results) => {
      for (const r of results) labels.set(r.label, r.value);
      populateResults(results.map((r) => r.label));
    };
    controller?.abort();
    controller = new AbortController();
    fetch(`${url}?q=${encodeURIComponent(query)}`, {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
      signal: controller.signal,
    })
      .then((response) => (response.ok ? response.json() : Promise.reject(response.status)))
      .then((data) => shown(data.results || []))
      .catch((error) => {
        if (error?.name !== "AbortError") shown(optionsMatching(select, query).slice(0, 20));
      });
  };
}

for (const select of document.querySelectorAll("select[data-module='app-autocomplete']")) {
  if (!accessibleAutocomplete) break;
  const id = select.id;
  const url = select.dataset.source;
  const labels = new Map();
  const options = {
    selectElement: select,
    defaultValue: "", // nothing chosen: an empty box, not "Any report"
    showAllValues: !url,
    minLength: url ? 2 : 0,
    tNoResults: () => "No report has those words in its title",
  };
  if (url) {
    options.source = remoteSource(select, url, labels);
    options.onConfirm = (label) => {
      const value = labels.get(label);
      if (label === undefined || value === undefined) return;
      let option = [...select.options].find((o) => o.value === value);
      if (!option) {
        option = new Option(label, value);
        select.add(option);
      }
      select.value = value;
    };
  }
  accessibleAutocomplete.enhanceSelectElement(options);
  // The component sets the <select> from what is confirmed, but leaves it as it was when
  // the box is emptied: an empty box means "Any report" (the select's empty option).
  const input = document.getElementById(id);
  input?.form?.addEventListener("submit", () => {
    if (!input.value.trim()) select.value = "";
  });
}
