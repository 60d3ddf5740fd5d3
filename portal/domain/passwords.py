"""The password policy for staff accounts."""


def policy_problem(password: str, username: str = "") -> str | None:
    """What is wrong with a new password, in Vietnamese, or None when it is acceptable.

    At least 10 characters, with a letter and a digit, and not containing the username.
    """
    if len(password) < 10:
        return "Mật khẩu phải có ít nhất 10 ký tự."
    if not any(ch.isalpha() for ch in password) or not any(ch.isdigit() for ch in password):
        return "Mật khẩu phải có cả chữ và số."
    if username and username.lower() in password.lower():
        return "Mật khẩu không được chứa tên đăng nhập."
    return None
