package org.edgebook.sandbox;

/** Where a guest's log lines (the {@code edgebook.log} import, WAGI stderr) go, tagged with who wrote them. */
@FunctionalInterface
public interface GuestLog {
    void line(String function, String moduleSha256, String requestId, String text);

    /** Lines to the JVM's System.Logger named {@code edgebook.guest}. */
    GuestLog SYSTEM = new GuestLog() {
        private final System.Logger logger = System.getLogger("edgebook.guest");

        @Override
        public void line(final String function, final String moduleSha256, final String requestId, final String text) {
            logger.log(System.Logger.Level.INFO, "function={0} module={1} request={2} {3}",
                    function, moduleSha256.substring(0, 12), requestId, text);
        }
    };
}
