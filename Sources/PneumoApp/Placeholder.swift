public enum PneumoAppInfo {}
