// Coverage instruments the contracts; test doubles are not the product.
module.exports = {
  skipFiles: ["test/"],
  configureYulOptimizer: true,
  mocha: { timeout: 300000 },
};
