// Warns, accessibly, before the idle timeout signs a person out, and lets them stay
// signed in (WCAG 2.2.1 Timing Adjustable). Without JavaScript the session simply ends
// and the sign-in page says why.
const box = document.getElementById("session-timeout");

if (box) {
  const timeout = Number(box.dataset.timeout) * 1000;
  const warnBefore = Number(box.dataset.warn) * 1000;
  const dialog = box.querySelector('[role="alertdialog"]');
  const form = box.querySelector("form");
  let lastFocus = null;
  let warnTimer;
  let endTimer;

  const schedule = () => {
    clearTimeout(warnTimer);
    clearTimeout(endTimer);
    warnTimer = setTimeout(show, Math.max(timeout - warnBefore, 0));
    endTimer = setTimeout(() => window.location.assign(box.dataset.signoutUrl), timeout);
  };

  const show = () => {
    lastFocus = document.activeElement;
    box.hidden = false;
    dialog.focus();
  };

  const hide = () => {
    box.hidden = true;
    if (lastFocus) lastFocus.focus();
  };

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const response = await fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
    });
    if (response.ok) {
      hide();
      schedule();
    }
  });

  box.addEventListener("keydown", (event) => {
    if (event.key === "Escape") form.requestSubmit();
  });

  schedule();
}
