public enum PneumoDataInfo {}
