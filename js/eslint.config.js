// Flat config: typescript-eslint's type-aware recommended rules on the sources and tests,
// plus the safety rule of the views: no DOM API that parses a string as HTML or code.
import js from "@eslint/js";
import tseslint from "typescript-eslint";
import globals from "globals";

const htmlSinks = [
  { selector: "MemberExpression[property.name=/^(innerHTML|outerHTML|insertAdjacentHTML|srcdoc|setHTMLUnsafe|createContextualFragment)$/]",
    message: "task data reaches the DOM as text only: use h() / setText()" },
  { selector: "CallExpression[callee.name='eval'], NewExpression[callee.name='Function']",
    message: "no code from strings" },
];

export default tseslint.config(
  { ignores: ["node_modules/", "src/*.js"] },
  js.configs.recommended,
  {
    files: ["**/*.ts"],
    extends: [...tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
      globals: { ...globals.browser },
    },
    rules: {
      "no-restricted-syntax": ["error", ...htmlSinks],
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": "error",
    },
  },
  {
    files: ["**/*.js", "**/*.mjs"],
    languageOptions: { globals: { ...globals.browser, ...globals.node } },
    rules: { "no-restricted-syntax": ["error", ...htmlSinks] },
  },
  { files: ["src/common/messages.ts"], rules: { "@typescript-eslint/no-empty-object-type": "off" } },
);
