// Progressive enhancement of the list's "Show filters" control (a <details>, which works
// without JavaScript): on a wide screen the filter starts open beside the results, as
// MOJ's filter-a-list pattern shows it; on a narrow screen, or at 400% zoom, it stays
// closed above the results. Nothing here is needed to use the filter.
const WIDE = window.matchMedia("(min-width: 48.0625em)");

for (const details of document.querySelectorAll("[data-module='app-filter-toggle']")) {
  if (WIDE.matches) {
    details.open = true;
  }
}
