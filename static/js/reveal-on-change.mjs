// A GOV.UK conditional reveal driven by a change rather than a choice: a form group marked
// data-app-reveal-when-changed="ID" is shown only while the date input ID differs from
// the stored date data-app-reveal-from ("d/m/yyyy"), and its hint then says it is
// required (data-app-reveal-hint). The owner form's "Reason for moving the target date"
// uses it. Without JavaScript the field is always shown, with a hint saying when it is
// required; the service requires it either way.
const parts = (text) => text.split("/").map((part) => part.trim());

// "07" and "7" are the same day; anything that is not a plain number is a change.
const same = (typed, stored) =>
  /^\d+$/.test(typed) ? Number(typed) === Number(stored) : typed === stored;

for (const group of document.querySelectorAll("[data-app-reveal-when-changed]")) {
  const control = document.getElementById(group.dataset.appRevealWhenChanged);
  if (!control) continue;
  const inputs = [...control.querySelectorAll("input")];
  const stored = parts(group.dataset.appRevealFrom || "");
  const hint = group.querySelector(".govuk-hint");
  const hasError = group.classList.contains("govuk-form-group--error");
  if (hint && group.dataset.appRevealHint) hint.textContent = group.dataset.appRevealHint;
  const changed = () =>
    inputs.length !== stored.length ||
    inputs.some((input, index) => !same(input.value.trim(), stored[index]));
  const update = () => {
    group.hidden = !(changed() || hasError);
  };
  for (const input of inputs) input.addEventListener("input", update);
  update();
}
