"""The base of every form: WTForms' own messages (a field that cannot read its input, a choice not offered)
said in Vietnamese. WTForms ships no Vietnamese catalogue, and without one a person who typed a letter in a
number field would read "Not a valid integer value." on a Vietnamese page."""
from __future__ import annotations

from flask_wtf import FlaskForm

MESSAGES = {
    "This field is required.": "Vui lòng nhập trường này.",
    "Invalid input.": "Giá trị không hợp lệ.",
    "Not a valid integer value.": "Vui lòng nhập một số nguyên.",
    "Not a valid decimal value.": "Vui lòng nhập một số.",
    "Not a valid float value.": "Vui lòng nhập một số.",
    "Not a valid date value.": "Ngày không hợp lệ; nhập theo dạng ngày/tháng/năm.",
    "Not a valid datetime value.": "Ngày giờ không hợp lệ; nhập theo dạng ngày/tháng/năm giờ:phút.",
    "Not a valid time value.": "Giờ không hợp lệ; nhập theo dạng giờ:phút.",
    "Not a valid week value.": "Tuần không hợp lệ.",
    "Not a valid choice.": "Lựa chọn không hợp lệ.",
    "Invalid Choice: could not coerce.": "Lựa chọn không hợp lệ.",
    "Invalid choice(s): one or more data inputs could not be coerced.": "Có lựa chọn không hợp lệ.",
    "'%(value)s' is not a valid choice for this field.": "“%(value)s” không có trong danh sách lựa chọn.",
    "'%(value)s' are not valid choices for this field.": "“%(value)s” không có trong danh sách lựa chọn.",
    "Invalid value, must be one of: %(values)s.": "Giá trị không hợp lệ; chỉ nhận: %(values)s.",
    "Invalid value, can't be any of: %(values)s.": "Giá trị không hợp lệ; không nhận: %(values)s.",
    "Invalid email address.": "Địa chỉ thư điện tử không hợp lệ.",
    "Invalid URL.": "Địa chỉ web không hợp lệ.",
    "Field must be equal to %(other_name)s.": "Giá trị phải trùng với ô %(other_name)s.",
    "Field must be at least %(min)d character long.": "Tối thiểu %(min)d ký tự.",
    "Field must be at least %(min)d characters long.": "Tối thiểu %(min)d ký tự.",
    "Field cannot be longer than %(max)d character.": "Tối đa %(max)d ký tự.",
    "Field cannot be longer than %(max)d characters.": "Tối đa %(max)d ký tự.",
    "Field must be exactly %(max)d character long.": "Phải đúng %(max)d ký tự.",
    "Field must be exactly %(max)d characters long.": "Phải đúng %(max)d ký tự.",
    "Field must be between %(min)d and %(max)d characters long.": "Từ %(min)d đến %(max)d ký tự.",
    "Number must be between %(min)s and %(max)s.": "Giá trị phải từ %(min)s đến %(max)s.",
    "Number must be at least %(min)s.": "Giá trị phải từ %(min)s trở lên.",
    "Number must be at most %(max)s.": "Giá trị tối đa là %(max)s.",
    "Date must be between %(min)s and %(max)s.": "Ngày phải từ %(min)s đến %(max)s.",
    "Date must be at least %(min)s.": "Ngày phải từ %(min)s trở đi.",
    "Date must be at most %(max)s.": "Ngày phải trước hoặc bằng %(max)s.",
    "This field cannot be edited.": "Trường này không được sửa.",
    "This field is disabled and cannot have a value.": "Trường này không nhận giá trị.",
    "Invalid CSRF Token.": "Mã bảo mật của biểu mẫu không hợp lệ; vui lòng tải lại trang.",
    "CSRF token missing.": "Thiếu mã bảo mật của biểu mẫu; vui lòng tải lại trang.",
    "CSRF failed.": "Mã bảo mật của biểu mẫu không hợp lệ; vui lòng tải lại trang.",
    "CSRF token expired.": "Mã bảo mật của biểu mẫu đã hết hạn; vui lòng tải lại trang.",
}


class VietnameseMessages:
    def gettext(self, text: str) -> str:
        return MESSAGES.get(text, text)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        text = singular if n == 1 else plural
        return MESSAGES.get(text, text)


VIETNAMESE = VietnameseMessages()


class PortalForm(FlaskForm):
    class Meta:
        def get_translations(self, form):
            return VIETNAMESE
