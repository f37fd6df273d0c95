'use client'

// `next-api-layer-native/client` for require(). Browser-safe: no native addon, no server code.
module.exports = require('./js/client/index.js')
