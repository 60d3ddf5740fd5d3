from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, ValidationError

from portal.domain.passwords import policy_problem
from portal.forms import PortalForm


class LoginForm(PortalForm):
    username = StringField("Tên đăng nhập", validators=[DataRequired("Vui lòng nhập tên đăng nhập."),
                                                        Length(max=64, message="Tên đăng nhập quá dài.")],
                           render_kw={"autocomplete": "username", "autofocus": True})
    password = PasswordField("Mật khẩu", validators=[DataRequired("Vui lòng nhập mật khẩu."),
                                                     Length(max=200, message="Mật khẩu quá dài.")],
                             render_kw={"autocomplete": "current-password"})


def password_policy(form, field):
    problem = policy_problem(field.data or "", getattr(form, "username_for_policy", ""))
    if problem:
        raise ValidationError(problem)


class ChangePasswordForm(PortalForm):
    current_password = PasswordField("Mật khẩu hiện tại", validators=[DataRequired("Vui lòng nhập mật khẩu hiện tại.")])
    new_password = PasswordField("Mật khẩu mới", validators=[DataRequired("Vui lòng nhập mật khẩu mới."),
                                                             Length(max=200), password_policy])
    confirm = PasswordField("Nhập lại mật khẩu mới", validators=[
        DataRequired("Vui lòng nhập lại mật khẩu mới."),
        EqualTo("new_password", message="Hai lần nhập mật khẩu mới không khớp."),
    ])
