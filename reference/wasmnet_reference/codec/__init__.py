"""The component-model value codec (wrpc.md §4): strict encoder and incremental decoder."""

from wasmnet_reference.codec.decode import ValueDecoder, decode_prefix, decode_value
from wasmnet_reference.codec.encode import encode_value, encode_values

__all__ = ["ValueDecoder", "decode_prefix", "decode_value", "encode_value", "encode_values"]
