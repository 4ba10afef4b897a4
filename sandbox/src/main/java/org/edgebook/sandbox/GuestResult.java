package org.edgebook.sandbox;

/** A guest's answer. */
public record GuestResult(int status, String contentType, byte[] body) {
}
