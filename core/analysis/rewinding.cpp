// placeholder, replaced by the rewinding implementation
