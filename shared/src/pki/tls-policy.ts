/**
 * The TLS versions and cipher suites every TLS server of Coffer offers: TLS 1.3 (its
 * AEAD suites) and TLS 1.2 with ECDHE key exchange and AEAD ciphers only (AES-GCM,
 * ChaCha20-Poly1305). No TLS 1.0/1.1, no CBC, no SHA-1 MACs, no static RSA key exchange.
 */

/** TLS 1.3 suites (all AEAD). */
const TLS13 = ['TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256', 'TLS_AES_128_GCM_SHA256'];

/** TLS 1.2 suites: forward secret, AEAD. */
const TLS12 = [
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
];

/** Options for node:tls / http2 secure servers and contexts. */
export const TLS_SERVER_POLICY = {
  minVersion: 'TLSv1.2',
  ciphers: [...TLS13, ...TLS12].join(':'),
  honorCipherOrder: true,
} as const;
