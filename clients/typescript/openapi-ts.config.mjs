// @hey-api/openapi-ts's configuration: `npm run generate` (or `make clients` at the top)
// writes src/ from the gateway's OpenAPI document. scripts/clients.sh sets MAILGATE_TS_OUTPUT
// to generate into a scratch directory when it checks that src/ is up to date.
import { fileURLToPath } from 'node:url';

const here = (path) => fileURLToPath(new URL(path, import.meta.url));

export default {
  input: here('../../openapi/openapi.json'),
  output: {
    path: process.env.MAILGATE_TS_OUTPUT ?? here('src'),
    // NodeNext resolution (tsconfig.json): relative imports carry their .js extension.
    tsConfigPath: here('tsconfig.json'),
  },
  plugins: ['@hey-api/client-fetch', '@hey-api/typescript', '@hey-api/sdk'],
};
