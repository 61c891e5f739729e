// "Select all on this page" for bulk actions: ticks or clears the page's item boxes.
// Without JavaScript the same checkbox is sent with the page's item numbers instead.
for (const all of document.querySelectorAll("[data-app-select-all]")) {
  const formId = all.dataset.appSelectAll;
  const boxes = () => document.querySelectorAll(`input[name="item"][form="${formId}"]`);
  all.addEventListener("change", () => {
    for (const box of boxes()) box.checked = all.checked;
  });
  for (const box of boxes()) {
    box.addEventListener("change", () => {
      if (!box.checked) all.checked = false;
    });
  }
}
