{%- set payment_methods = ['credit_card', 'paypal', 'gift_card', 'store_credit'] -%}

with payments as (

    select * from {{ ref('stg_payments__payments') }}
    where payment_status = 'success'

)

select
    order_id,
    {% for payment_method in payment_methods -%}
    sum(case when payment_method = '{{ payment_method }}' then amount else 0 end) as {{ payment_method }}_amount,
    {% endfor -%}
    sum(amount) as total_amount
from payments
group by order_id
