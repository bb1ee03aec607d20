public enum PneumoServeInfo {}
