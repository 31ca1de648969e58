import { type KeyObject, createCipheriv, createDecipheriv, createHmac, createSecretKey, hkdfSync, randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';

const VERSION = 'v1';

/**
 * AES-256-GCM for secrets and transcripts at rest, keyed from DATA_ENCRYPTION_KEY. Each purpose
 * gets its own subkey (HKDF), so a ciphertext of one kind cannot be passed off as another.
 */
@Injectable()
export class DataEncryptionService {
  private readonly masterKey: Buffer;
  /** Subkeys by purpose: the purposes are a handful of constants, and HKDF on every message sealed
   * or opened (each outbox delivery) was a measurable share of the worker's time. */
  private readonly subkeys = new Map<string, KeyObject>();

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.masterKey = Buffer.from(config.dataEncryptionKey);
  }

  /** A 32-byte key derived for one named purpose (e.g. signing staff tokens). */
  deriveKey(purpose: string): Buffer {
    return Buffer.from(hkdfSync('sha256', this.masterKey, Buffer.alloc(0), `secure-handoff:${purpose}`, 32));
  }

  private subkey(purpose: string): KeyObject {
    let key = this.subkeys.get(purpose);
    if (!key) {
      key = createSecretKey(this.deriveKey(purpose));
      this.subkeys.set(purpose, key);
    }
    return key;
  }

  /**
   * A keyed fingerprint (HMAC-SHA256, hex) of a value that must be recognisable but not readable:
   * a plain hash of an e-mail address or a customer number is reversed by hashing guesses, this
   * one only with the key. Stable for one key and purpose.
   */
  fingerprint(value: string, purpose: string): string {
    return createHmac('sha256', this.subkey(purpose)).update(value, 'utf8').digest('hex');
  }

  encrypt(plaintext: string, purpose: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.subkey(purpose), iv);
    cipher.setAAD(Buffer.from(purpose));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [VERSION, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), ciphertext.toString('base64url')].join('.');
  }

  decrypt(sealed: string, purpose: string): string {
    const [version, iv, tag, ciphertext] = sealed.split('.');
    if (version !== VERSION || !iv || !tag || ciphertext === undefined) throw new Error('unreadable ciphertext');
    const authTag = Buffer.from(tag, 'base64url');
    // Only full 16-byte tags: GCM would otherwise accept a truncated, forgeable one.
    if (authTag.length !== 16) throw new Error('unreadable ciphertext');
    const decipher = createDecipheriv('aes-256-gcm', this.subkey(purpose), Buffer.from(iv, 'base64url'), { authTagLength: 16 });
    decipher.setAAD(Buffer.from(purpose));
    decipher.setAuthTag(authTag);
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
  }
}
