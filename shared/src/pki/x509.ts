/**
 * @peculiar/x509, ready to use: its Reflect polyfill loaded first and Node's WebCrypto
 * (`globalThis.crypto`) set as its crypto provider. Every PKI module imports the
 * library from here, never directly, so that the set-up has happened before any call.
 */
import './reflect-polyfill.js';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(globalThis.crypto);

export { x509 };
