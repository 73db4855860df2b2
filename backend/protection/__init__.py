"""What every request passes through before and after its view: body-size and input-shape
limits, rate limits, security headers and CORS."""
