// Types of every operation in src/ (the /* GraphQL */ template strings),
// checked against Quire's schema (../../../schema.graphql).
// `npm run codegen` writes src/generated/graphql.ts, which is checked in;
// `npm run check` regenerates it in memory and fails if it differs.
//
// typescript-operations 6 writes the enums and input types the operations
// use itself (adding the `typescript` plugin would declare them twice).

/** @type {import('@graphql-codegen/cli').CodegenConfig} */
const config = {
  schema: '../../../schema.graphql',
  documents: ['src/**/*.{ts,tsx}', '!src/generated/**'],
  generates: {
    'src/generated/graphql.ts': {
      plugins: ['typescript-operations'],
      config: {
        strictScalars: true,
        scalars: {
          DateTime: 'string',
          Decimal: 'string',
          JSON: 'unknown',
          Upload: 'File',
        },
        enumType: 'string-literal',
        useTypeImports: true,
        skipTypename: true,
      },
    },
  },
  silent: true,
};

export default config;
