// The API documentation page: Swagger UI from the portal's own static files
// (drf-spectacular-sidecar), started here rather than in an inline script so the
// Content-Security-Policy stays strict. The OpenAPI document is read with the person's
// session; "Authorize" takes an API token for trying requests out.
(function () {
  "use strict";
  var container = document.getElementById("swagger-ui");
  if (!container || typeof window.SwaggerUIBundle !== "function") {
    return;
  }
  window.SwaggerUIBundle({
    url: container.getAttribute("data-schema-url"),
    domNode: container,
    deepLinking: false,
    presets: [window.SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
  });
})();
