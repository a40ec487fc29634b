// The API docs page (/api/v1/docs): Swagger UI over the service's OpenAPI document.
// swagger-ui-dist's bundle (served from /static/vendor, no CDN) defines
// window.SwaggerUIBundle; this module starts it, as the CSP allows no inline script.
// validatorUrl null: Swagger UI would otherwise send the document to validator.swagger.io.
import { pageData } from "./page.js";

const { cfg } = pageData();
globalThis.SwaggerUIBundle({
  url: cfg.openapi,
  dom_id: "#swagger-ui",
  validatorUrl: null,
  deepLinking: false, // its links inside each operation's button nest controls (axe)
  tryItOutEnabled: false,
});
