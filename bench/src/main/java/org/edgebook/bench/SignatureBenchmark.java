package org.edgebook.bench;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.edgebook.codec.CanonicalJson;
import org.edgebook.codec.Ed25519Key;
import org.edgebook.codec.TransactionSignature;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Ed25519 on one signed transaction (docs/signing.md), the JDK's {@code Signature("Ed25519")} against the codec's
 * {@link Ed25519Key} (BouncyCastle's RFC 8032 code): verification and signing of the transaction's signed bytes, the
 * parse of the wire JSON into those bytes ({@link CanonicalJson#parseObject} and
 * {@link TransactionSignature#signedBytes}), and the two together as settlement pays them per transaction.
 * <p>
 * The JDK variants do what the codec did before {@link Ed25519Key}: a {@code Signature} obtained and initialised with
 * the key on every call. The codec's public key is decoded once ({@link Ed25519Key.Public#of}), as a key store holds
 * it. Both sign the same bytes into the same signature (RFC 8032 is deterministic), checked in the set-up.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-XX:+UseParallelGC"})
public class SignatureBenchmark {
    static final long SIGNED_AT = 1_764_000_000_000L;

    private PublicKey jdkPublic;
    private PrivateKey jdkPrivate;
    private Ed25519Key.Public codecPublic;
    private Ed25519Key.Private codecPrivate;
    /** The signed transaction as it arrives: canonical JSON with its {@code signature} member. */
    private byte[] wire;
    /** What is signed: {@link TransactionSignature#PREFIX} and the canonical JSON without {@code signature}. */
    private byte[] message;
    private byte[] signature;

    @Setup(Level.Trial)
    public void setUp() throws GeneralSecurityException {
        final KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        jdkPublic = pair.getPublic();
        jdkPrivate = pair.getPrivate();
        codecPrivate = Ed25519Key.Private.of(jdkPrivate);
        codecPublic = Ed25519Key.Public.of(TransactionSignature.raw(jdkPublic));
        final Map<String, Object> transfer = new LinkedHashMap<>();
        transfer.put("type", "transfer");
        transfer.put("transferId", "t-1");
        transfer.put("from", "alice");
        transfer.put("to", "bob");
        transfer.put("asset", "USD");
        transfer.put("amount", "10.50");
        transfer.put("signedAt", SIGNED_AT);
        final Map<String, Object> signed = TransactionSignature.sign(transfer, codecPrivate,
                TransactionSignature.keyId(codecPublic.raw()), SIGNED_AT);
        wire = CanonicalJson.bytes(signed);
        message = TransactionSignature.signedBytes(transfer);
        @SuppressWarnings("unchecked")
        final String sig = ((Map<String, Object>) signed.get(TransactionSignature.SIGNATURE)).get("sig").toString();
        signature = Base64.getDecoder().decode(sig);
        if (!Arrays.equals(signature, signJdk()) || !Arrays.equals(signature, signCodec()) || !verifyJdk()
                || !verifyCodec() || !Arrays.equals(message, parseAndSignedBytes()) || !parseAndVerifyCodec()) {
            throw new IllegalStateException("the variants disagree on " + new String(wire, StandardCharsets.UTF_8));
        }
        System.out.printf("%nsigned transaction: %d bytes on the wire, %d bytes signed%n", wire.length,
                message.length);
    }

    @Benchmark
    public boolean verifyJdk() throws GeneralSecurityException {
        final Signature ed = Signature.getInstance("Ed25519");
        ed.initVerify(jdkPublic);
        ed.update(message);
        return ed.verify(signature);
    }

    @Benchmark
    public boolean verifyCodec() {
        return codecPublic.verify(message, signature);
    }

    @Benchmark
    public byte[] signJdk() throws GeneralSecurityException {
        final Signature ed = Signature.getInstance("Ed25519");
        ed.initSign(jdkPrivate);
        ed.update(message);
        return ed.sign();
    }

    @Benchmark
    public byte[] signCodec() {
        return codecPrivate.sign(message);
    }

    /** The wire JSON to the signed bytes: what settlement does before each verification. */
    @Benchmark
    public byte[] parseAndSignedBytes() {
        return TransactionSignature.signedBytes(CanonicalJson.parseObject(wire, 0, wire.length));
    }

    /** The whole check of one transaction's signature with the codec: parse, signed bytes, verify. */
    @Benchmark
    public boolean parseAndVerifyCodec() {
        return codecPublic.verify(TransactionSignature.signedBytes(CanonicalJson.parseObject(wire, 0, wire.length)),
                signature);
    }
}
