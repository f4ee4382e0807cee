"""The use cases of imports and exports, one module per part."""
