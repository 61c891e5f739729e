// The passkey pages' own part of the ceremony. django-otp-webauthn's scripts (loaded
// after this one, also from static files: the CSP allows no inline script) word their
// messages through a global gettext; this gives them the portal's wording. Once a
// passkey is added, it goes to the page that names it (the server's answer says which).
const WORDS = {
  "Register a Passkey": "Add a passkey",
  "Registering...": "Waiting for your device…",
  "Finishing registration...": "Saving the passkey…",
  "Registration successful!": "Passkey added.",
  "Registration aborted.": "Adding the passkey was cancelled. Try again.",
  "Registration aborted or not allowed.":
    "The passkey was not added: it was cancelled, or the device did not allow it. Try again.",
  "Registration failed. You most likely already have a Passkey registered for this site.":
    "This device already has a passkey for your account.",
  "Registration failed. A technical problem occurred that prevents you from registering a Passkey for this site.":
    "This device cannot add a passkey for this service. Try another device.",
  "Registration failed. An unknown error occurred.": "The passkey could not be added. Try again.",
  "Registration failed. Unable to fetch registration options from server.":
    "The passkey could not be added. Try again.",
  "Registration failed. The server was unable to verify this passkey.":
    "The passkey could not be added. Try again, or use another device.",
  "Registration failed. A server error occurred.": "The passkey could not be added. Try again.",
  "An error occurred during registration.": "The passkey could not be added. Try again.",
  "Verify with Passkey": "Use a passkey",
  "Verifying...": "Waiting for your passkey…",
  "Finishing verification...": "Checking the passkey…",
  "Verification successful!": "Passkey accepted. Signing you in…",
  "Verification aborted.": "Using the passkey was cancelled. Try again.",
  "Verification canceled or not allowed.":
    "The passkey was not used: it was cancelled, or the device did not allow it. Try again.",
  "Verification failed. Could not retrieve parameters from the server.":
    "The passkey could not be checked. Try again.",
  "Verification failed. An unknown error occurred.": "The passkey could not be checked. Try again.",
  "Verification failed. An unknown server error occurred.":
    "The passkey could not be checked. Try again.",
  "An error occurred during verification.": "The passkey could not be checked. Try again.",
};

globalThis.gettext = (text) => (Object.hasOwn(WORDS, text) ? WORDS[text] : text);

document.addEventListener("otp_webauthn.register_complete", (event) => {
  const next = event.detail?.response?.redirect_url;
  // Only a path on this site: never somewhere a changed answer might point.
  if (typeof next === "string" && next.startsWith("/") && !next.startsWith("//")) {
    window.location.assign(next);
  }
});
