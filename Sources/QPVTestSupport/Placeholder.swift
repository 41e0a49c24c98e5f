public enum QPVTestSupport {}
