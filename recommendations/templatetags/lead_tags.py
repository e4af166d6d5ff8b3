from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):
    """``{{ mapping|get_item:key }}``: look a key up in a dict (None when missing)."""
    return mapping.get(key) if hasattr(mapping, "get") else None


@register.filter
def get_index(sequence, index):
    """``{{ forms|get_index:n }}``: the n-th item of a list (None when out of range or no list)."""
    try:
        return sequence[index]
    except (IndexError, TypeError, KeyError):
        return None
