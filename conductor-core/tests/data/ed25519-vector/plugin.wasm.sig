{
  "version": 1,
  "algorithm": "Ed25519",
  "wasm_sha256": "93a44bbb96c751218e4c00d479e4c14358122a389acca16205b1e4d0dc5f9476",
  "wasm_size": 8,
  "public_key": "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
  "developer_name": "Test Vector",
  "developer_email": "vector@example.com",
  "signed_at": "2026-01-01T00:00:00Z",
  "capabilities": [
    "Network",
    "Filesystem"
  ],
  "signature": "db12fe8b9d874fa7ebc450c5c957ec01e65e9870049b3f1fc4887b1b7815c1d9c61649f027ad25d709ff8a7af390a7d6050004ce0053e767b58ffd6be3b58104"
}
