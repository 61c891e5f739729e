// Progressive enhancement of long choices (the list's report filter): a plain <select>
// marked data-module="app-autocomplete", which works without JavaScript, becomes GOV.UK's
// accessible-autocomplete, so people type part of a report's title. The component is the
// npm package's own build, copied into static/build by `make setup` (npm run build:js)
// and loaded before this module by a deferred <script>: no inline script, for the CSP.
const { accessibleAutocomplete } = window;

for (const select of document.querySelectorAll("select[data-module='app-autocomplete']")) {
  if (!accessibleAutocomplete) break;
  const id = select.id;
  accessibleAutocomplete.enhanceSelectElement({
    selectElement: select,
    defaultValue: "", // nothing chosen: an empty box, not "Any report"
    showAllValues: true,
    tNoResults: () => "No report has those words in its title",
  });
  // The component sets the <select> from what is confirmed, but leaves it as it was when
  // the box is emptied: an empty box means "Any report" (the select's empty option).
  const input = document.getElementById(id);
  input?.form?.addEventListener("submit", () => {
    if (!input.value.trim()) select.value = "";
  });
}
