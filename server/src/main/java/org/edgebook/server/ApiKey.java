package org.edgebook.server;

/**
 * A credential: the public key id a client sends, the secret it signs with, and whom it acts for. An admin key acts
 * for no account and is the only way to define markets and move money in or out.
 */
public record ApiKey(String id, byte[] secret, String account) {
    public boolean admin() {
        return account == null;
    }

    @Override
    public String toString() {
        return "ApiKey[" + id + (admin() ? ", admin" : ", account " + account) + "]"; // never the secret
    }
}
