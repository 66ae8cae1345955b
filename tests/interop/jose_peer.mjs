// The jose (panva) side of tests/interop.rs.
//
// Reads a JSON array of requests on stdin, writes a JSON array of results on stdout:
//   {"op": "sign", "alg": "HS256", "key": <base64url>, "claims": {...}, "headers": {...}}
//       -> {"token": "..."}
//   {"op": "verify", "alg": "HS256", "key": <base64url>, "token": "...",
//    "audience": "...", "issuer": "...", "now": <seconds>}
//       -> {"claims": {...}, "header": {...}} or {"error": "<code>: <message>"}
// Instead of "key" (an HMAC secret), a request may carry "jwk" (a JWK object: private to
// sign, public to verify) or "pem" (PKCS#8 to sign, SubjectPublicKeyInfo to verify), for
// the public-key algorithms (tests/pubkey_interop.rs).
// Verification runs at the request's `now`, not at the wall clock.
import { createRequire } from 'node:module';
import { SignJWT, jwtVerify, base64url, importJWK, importPKCS8, importSPKI } from 'jose';

const version = createRequire(import.meta.url)('jose/package.json').version;

async function keyOf(request, use) {
  if (request.jwk) return importJWK(request.jwk, request.alg);
  if (request.pem) {
    return use === 'sign' ? importPKCS8(request.pem, request.alg) : importSPKI(request.pem, request.alg);
  }
  return base64url.decode(request.key);
}

async function run(request) {
  switch (request.op) {
    case 'sign': {
      const key = await keyOf(request, 'sign');
      const token = await new SignJWT(request.claims)
        .setProtectedHeader({ alg: request.alg, ...(request.headers ?? {}) })
        .sign(key);
      return { token };
    }
    case 'verify': {
      try {
        const key = await keyOf(request, 'verify');
        const { payload, protectedHeader } = await jwtVerify(request.token, key, {
          algorithms: [request.alg],
          audience: request.audience,
          issuer: request.issuer,
          currentDate: new Date(request.now * 1000),
          requiredClaims: ['exp', 'iat', 'nbf', 'iss', 'aud', 'sub'],
        });
        return { claims: payload, header: protectedHeader };
      } catch (error) {
        return { error: `${error.code ?? error.name}: ${error.message}` };
      }
    }
    case 'version':
      return { version };
    default:
      throw new Error(`unknown op ${request.op}`);
  }
}

let input = '';
for await (const chunk of process.stdin) input += chunk;
const results = [];
for (const request of JSON.parse(input)) results.push(await run(request));
process.stdout.write(JSON.stringify(results));
